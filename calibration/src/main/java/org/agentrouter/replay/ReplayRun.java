package org.agentrouter.replay;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.agentrouter.calibration.PromptEmbeddings;
import org.agentrouter.calibration.ShippedMemory;
import org.agentrouter.calibration.SubjectFolds;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.learning.LearnerSettings;

/**
 * The stream protocol of issue 21: each CSV file of the replayed data is a new namespace whose rows arrive in a
 * seeded order; the learner decides each query before its outcome is fed back ({@link StreamDecider}: in process,
 * or through Kafka and the job).
 *
 * <p>The learner is fitted on the public outcome data ({@code priorData}, subjects as namespaces; {@link LearnerFit}).
 * When the replayed data is the public data itself, it runs the unseen-subject protocol: for each of the P1 subject
 * folds, the prior and the stage thresholds come from the other folds only, and the fold's subjects are replayed as
 * new namespaces. Otherwise the learner is fitted on every public subject (or read from a settings file) and every
 * file replayed is new.
 */
public final class ReplayRun {
    /** Options of a run. */
    public record Options(double alpha, LearnerFit.Options fit, int coldQueries, int window, double goodAt, Set<Integer> folds) {}

    /** Decides a stream of namespaces with a learner, feeding each outcome back before the namespace's next query. */
    public interface StreamDecider {
        List<ReplayMetrics.Decision> replay(List<ReplayNamespace> namespaces, ReplayData data, LearnerSettings settings,
                                            LearnerReplay.Feedback feedback) throws Exception;
    }

    /** The job's learner classes in this process. */
    public static final StreamDecider IN_PROCESS = (namespaces, data, settings, feedback) -> {
        List<ReplayMetrics.Decision> out = new ArrayList<>();
        for (LearnerReplay.Step s : LearnerReplay.run(namespaces, settings, feedback, true, data.goodAt)) out.add(s.decision());
        return out;
    };

    private final ReplayData publicData;
    private final int[] foldOfRow;
    private final Options o;
    private final LearnerFit fit;

    public ReplayRun(OutcomeTable priorTable, Options options) throws Exception {
        OutcomeTable usable = priorTable.filter(i -> !ShippedMemory.EXCLUDED.contains(priorTable.subject(i)));
        float[][] vectors = PromptEmbeddings.ofSelection(priorTable, i -> !ShippedMemory.EXCLUDED.contains(priorTable.subject(i)),
                ShippedMemory.EXCLUDED, PromptEmbeddings.defaultCacheDir());
        this.o = options;
        this.publicData = new ReplayData(usable, vectors, options.goodAt());
        // The study's P1 folds, dealt over the whole table (with the excluded subject), as eval and calibrate do.
        int[] foldOfSubject = SubjectFolds.assign(priorTable, SubjectFolds.STUDY_FOLDS, SubjectFolds.STUDY_SEED);
        foldOfRow = new int[usable.size()];
        for (int i = 0; i < usable.size(); i++) foldOfRow[i] = foldOfSubject[priorTable.subjects().indexOf(usable.subject(i))];
        this.fit = new LearnerFit(publicData, foldOfRow, options.fit());
    }

    /** The result: decisions of the learner and of the static router on the same stream, per fold, and how each was fitted. */
    public record Result(Map<String, List<ReplayMetrics.Decision>> learned, Map<String, List<ReplayMetrics.Decision>> fixed,
                         Map<String, Object> calibration) {
        public List<ReplayMetrics.Decision> allLearned() {
            List<ReplayMetrics.Decision> all = new ArrayList<>();
            learned.values().forEach(all::addAll);
            return all;
        }

        public List<ReplayMetrics.Decision> allFixed() {
            List<ReplayMetrics.Decision> all = new ArrayList<>();
            fixed.values().forEach(all::addAll);
            return all;
        }
    }

    private static Set<Integer> allFolds() {
        Set<Integer> s = new TreeSet<>();
        for (int f = 0; f < SubjectFolds.STUDY_FOLDS; f++) s.add(f);
        return s;
    }

    /** The learner fitted on every public subject: what {@code ./router fit-learner} ships. */
    public LearnerFit.Result fitOnAll() {
        return fit.fit(allFolds());
    }

    /** The public data replayed as new namespaces, fold by fold (unseen subjects). */
    public Result unseenSubjects(StreamDecider decider) throws Exception {
        Map<String, List<ReplayMetrics.Decision>> learned = new TreeMap<>(), fixed = new TreeMap<>();
        Map<String, Object> cal = new LinkedHashMap<>();
        for (int f = 0; f < SubjectFolds.STUDY_FOLDS; f++) {
            if (o.folds() != null && !o.folds().contains(f)) continue;
            Set<Integer> train = allFolds();
            train.remove(f);
            long start = System.nanoTime();
            LearnerFit.Result r = fit.fit(train);
            List<ReplayNamespace> test = fit.namespaces(f, r.settings().prior());
            String label = "fold" + f;
            fixed.put(label, staticRouter(test, r.settings()));
            learned.put(label, decider.replay(test, publicData, r.settings(), o.fit().feedback()));
            cal.put(label, r.report());
            System.err.printf("fold %d: %d new namespaces replayed (target %.3f, %.0f s)%n", f, test.size(), r.target(),
                    (System.nanoTime() - start) / 1e9);
        }
        return new Result(learned, fixed, cal);
    }

    /** Other data (same CSV shape) replayed as new namespaces, one per file, with the given learner (null: fitted on every public subject). */
    public Result newData(OutcomeTable data, LearnerSettings given, StreamDecider decider) throws Exception {
        LearnerSettings settings;
        Map<String, Object> cal = new LinkedHashMap<>();
        if (given != null) {
            settings = given;
            cal.put("all", Map.of("settings", "given", "stage_cheap_below", given.cheapBelow()[given.alphaIndex(o.alpha())]));
        } else {
            LearnerFit.Result r = fitOnAll();
            settings = r.settings();
            cal.put("all", r.report());
        }
        float[][] vectors = PromptEmbeddings.of(data.prompts(), PromptEmbeddings.defaultCacheDir());
        ReplayData replayed = new ReplayData(data, vectors, o.goodAt());
        List<ReplayNamespace> test = new ArrayList<>();
        for (String subject : data.subjects()) {
            int[] rows = java.util.stream.IntStream.range(0, data.size()).filter(i -> data.subject(i).equals(subject)).toArray();
            test.add(replayed.namespace(subject, rows, settings.prior(), o.fit().seed()));
        }
        return new Result(Map.of("all", decider.replay(test, replayed, settings, o.fit().feedback())),
                Map.of("all", staticRouter(test, settings)), cal);
    }

    /** Learning off on the same stream: the prior with the stage-0 threshold for every query, no probes. */
    private List<ReplayMetrics.Decision> staticRouter(List<ReplayNamespace> test, LearnerSettings settings) {
        List<ReplayMetrics.Decision> out = new ArrayList<>();
        for (LearnerReplay.Step s : LearnerReplay.run(test, settings, o.fit().feedback(), false, o.goodAt())) out.add(s.decision());
        return out;
    }

    public ReplayData publicData() {
        return publicData;
    }

    /** The JSON object of issue 21's protocol, with a row per fold. */
    public Map<String, Object> json(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("alpha", o.alpha());
        m.put("feedback", o.fit().feedback().name().toLowerCase(java.util.Locale.ROOT));
        m.put("seed", o.fit().seed());
        m.putAll(parts(r.allLearned(), r.allFixed()));
        m.put("curve", ReplayMetrics.curve(r.allLearned(), o.window()));
        m.put("static_curve", ReplayMetrics.curve(r.allFixed(), o.window()));
        Map<String, Object> folds = new LinkedHashMap<>();
        for (String label : r.learned().keySet()) folds.put(label, parts(r.learned().get(label), r.fixed().get(label)));
        m.put("folds", folds);
        m.put("calibration", r.calibration());
        return m;
    }

    private Map<String, Object> parts(List<ReplayMetrics.Decision> learned, List<ReplayMetrics.Decision> fixed) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, List<ReplayMetrics.Decision>> lw = ReplayMetrics.coldWarm(learned, o.coldQueries());
        Map<String, List<ReplayMetrics.Decision>> fw = ReplayMetrics.coldWarm(fixed, o.coldQueries());
        m.put("namespaces", ReplayMetrics.summarize(learned).namespaces());
        m.put("cold", ReplayMetrics.summarize(lw.get("cold")).json());
        m.put("warm", ReplayMetrics.summarize(lw.get("warm")).json());
        m.put("all", ReplayMetrics.summarize(learned).json());
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("cold", ReplayMetrics.summarize(fw.get("cold")).json());
        st.put("warm", ReplayMetrics.summarize(fw.get("warm")).json());
        st.put("all", ReplayMetrics.summarize(fixed).json());
        m.put("static", st);
        return m;
    }
}
