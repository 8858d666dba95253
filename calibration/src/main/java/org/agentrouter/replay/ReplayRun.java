package org.agentrouter.replay;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.agentrouter.calibration.PromptEmbeddings;
import org.agentrouter.calibration.ShippedMemory;
import org.agentrouter.calibration.SubjectFolds;
import org.agentrouter.embedding.TokenCounter;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.routing.PricingTable;

/**
 * The stream protocol of issue 21, in process: each CSV file of the replayed data is a new namespace whose rows
 * arrive in a seeded order; the learner decides each query before its outcome is fed back.
 *
 * <p>The shared prior and its calibration come from the public outcome data ({@code priorData}, subjects as
 * namespaces). When the replayed data is the public data itself, it runs the unseen-subject protocol: for each of
 * the P1 subject folds, the prior's memory and the stage thresholds come from the other folds only (each
 * calibration subject scored against a memory without its own fold), and the fold's subjects are replayed as new
 * namespaces. Otherwise every public subject serves the prior and the calibration, and every file replayed is new.
 */
public final class ReplayRun {
    /** Options of a run. */
    public record Options(double alpha, double calibrationAlpha, LearnerReplay.Feedback feedback, long seed, int k,
                          double priorWeight, double probeShare, int probeUntil, int coldQueries, int window,
                          double goodAt, Set<Integer> folds) {}

    private final OutcomeTable prior;
    private final float[][] priorVectors;
    private final boolean[] priorNeeds;
    private final int[] priorFold;
    private final Options o;
    private final PricingTable pricing = PricingTable.defaults();

    public ReplayRun(OutcomeTable priorTable, Options options) throws Exception {
        OutcomeTable usable = priorTable.filter(i -> !ShippedMemory.EXCLUDED.contains(priorTable.subject(i)));
        this.prior = usable;
        this.priorVectors = PriorScores.unit(PromptEmbeddings.ofSelection(priorTable,
                i -> !ShippedMemory.EXCLUDED.contains(priorTable.subject(i)), ShippedMemory.EXCLUDED,
                PromptEmbeddings.defaultCacheDir()));
        this.o = options;
        priorNeeds = new boolean[usable.size()];
        for (int i = 0; i < usable.size(); i++) priorNeeds[i] = needs(usable.weak(i), usable.strong(i));
        // The study's P1 folds, dealt over the whole table (with the excluded subject), as eval and calibrate do.
        int[] foldOfSubject = SubjectFolds.assign(priorTable, SubjectFolds.STUDY_FOLDS, SubjectFolds.STUDY_SEED);
        priorFold = new int[usable.size()];
        for (int i = 0; i < usable.size(); i++) {
            priorFold[i] = foldOfSubject[priorTable.subjects().indexOf(usable.subject(i))];
        }
    }

    private boolean needs(double weak, double strong) {
        return strong >= o.goodAt() && weak < o.goodAt();
    }

    /** The result: decisions of the learner and of the static router on the same stream, and the thresholds used. */
    public record Result(List<ReplayMetrics.Decision> learned, List<ReplayMetrics.Decision> fixed,
                         Map<String, Object> calibration) {}

    /** The public data replayed as new namespaces, fold by fold (unseen subjects). */
    public Result unseenSubjects() throws Exception {
        List<ReplayMetrics.Decision> learned = new ArrayList<>();
        List<ReplayMetrics.Decision> fixed = new ArrayList<>();
        Map<String, Object> cal = new LinkedHashMap<>();
        try (TokenCounter tokens = new TokenCounter()) {
            for (int f = 0; f < SubjectFolds.STUDY_FOLDS; f++) {
                if (o.folds() != null && !o.folds().contains(f)) continue;
                final int fold = f;
                PriorScores scores = new PriorScores(priorVectors, priorNeeds, o.k());
                List<ReplayNamespace> calibration = calibrationNamespaces(scores, g -> g != fold, tokens);
                List<ReplayNamespace> test = new ArrayList<>();
                for (String subject : subjectsWhere(i -> priorFold[i] == fold)) {
                    int[] rows = rowsOf(subject);
                    double[] p = scores.score(vectorsOf(rows), j -> priorFold[j] != fold, null);
                    test.add(namespace(subject, prior, rows, p, priorVectors, tokens));
                }
                learned.addAll(replayFold(calibration, test, fixed, cal, "fold" + f));
                System.err.printf("fold %d: %d new namespaces replayed%n", f, test.size());
            }
        }
        return new Result(learned, fixed, cal);
    }

    /** Other data (same CSV shape) replayed as new namespaces, one per file; every public subject is prior and calibration. */
    public Result newData(OutcomeTable data) throws Exception {
        List<ReplayMetrics.Decision> fixed = new ArrayList<>();
        Map<String, Object> cal = new LinkedHashMap<>();
        try (TokenCounter tokens = new TokenCounter()) {
            PriorScores scores = new PriorScores(priorVectors, priorNeeds, o.k());
            List<ReplayNamespace> calibration = calibrationNamespaces(scores, g -> true, tokens);
            float[][] vectors = PriorScores.unit(PromptEmbeddings.of(data.prompts(), PromptEmbeddings.defaultCacheDir()));
            List<ReplayNamespace> test = new ArrayList<>();
            for (String subject : data.subjects()) {
                List<Integer> r = new ArrayList<>();
                for (int i = 0; i < data.size(); i++) if (data.subject(i).equals(subject)) r.add(i);
                int[] rows = r.stream().mapToInt(Integer::intValue).toArray();
                float[][] v = new float[rows.length][];
                for (int i = 0; i < rows.length; i++) v[i] = vectors[rows[i]];
                double[] p = scores.score(v, j -> true, null);
                test.add(namespace(subject, data, rows, p, vectors, tokens));
            }
            List<ReplayMetrics.Decision> learned = replayFold(calibration, test, fixed, cal, "all");
            return new Result(learned, fixed, cal);
        }
    }

    private List<ReplayMetrics.Decision> replayFold(List<ReplayNamespace> calibration, List<ReplayNamespace> test,
                                                    List<ReplayMetrics.Decision> fixedOut, Map<String, Object> cal,
                                                    String label) {
        int stages = LearnerSettings.DEFAULT_STAGES.length;
        double lambda0 = LearnerReplay.staticThreshold(calibration, o.calibrationAlpha(), o.goodAt());
        double[] start = new double[stages];
        java.util.Arrays.fill(start, lambda0);
        LearnerSettings settings = new LearnerSettings(o.priorWeight(), conditional(true), conditional(false),
                LearnerSettings.DEFAULT_STAGES, start, o.probeShare(), o.probeUntil(), o.seed());
        settings = LearnerReplay.calibrate(calibration, settings, o.calibrationAlpha(), o.feedback(), 3, o.goodAt());
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("static_cheap_below", lambda0);
        c.put("stage_starts", LearnerSettings.DEFAULT_STAGES);
        c.put("stage_cheap_below", settings.cheapBelow());
        c.put("calibration_namespaces", calibration.size());
        cal.put(label, c);
        LearnerSettings fixed = settings.withThresholds(filled(stages, lambda0)).withProbes(0, 0);
        for (LearnerReplay.Step s : LearnerReplay.run(test, fixed, o.feedback(), false, o.goodAt())) fixedOut.add(s.decision());
        List<ReplayMetrics.Decision> out = new ArrayList<>();
        for (LearnerReplay.Step s : LearnerReplay.run(test, settings, o.feedback(), true, o.goodAt())) out.add(s.decision());
        return out;
    }

    private static double[] filled(int n, double v) {
        double[] a = new double[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** P(W=0 | S=1) (strongRight = true) or P(S=1 | W=0) on the public data. */
    private double conditional(boolean givenStrongRight) {
        int num = 0, den = 0;
        for (int i = 0; i < prior.size(); i++) {
            boolean s = prior.strong(i) >= o.goodAt(), w = prior.weak(i) >= o.goodAt();
            if (givenStrongRight ? s : !w) {
                den++;
                if (s && !w) num++;
            }
        }
        return den == 0 ? 0.5 : num / (double) den;
    }

    /** Public subjects of the folds accepted, each scored against a memory without its own fold (and the test fold). */
    private List<ReplayNamespace> calibrationNamespaces(PriorScores scores, java.util.function.IntPredicate foldUsable,
                                                        TokenCounter tokens) {
        List<ReplayNamespace> out = new ArrayList<>();
        for (String subject : subjectsWhere(i -> foldUsable.test(priorFold[i]))) {
            int[] rows = rowsOf(subject);
            int own = priorFold[rows[0]];
            double[] p = scores.score(vectorsOf(rows), j -> priorFold[j] != own && foldUsable.test(priorFold[j]), null);
            out.add(namespace(subject, prior, rows, p, priorVectors, tokens));
        }
        return out;
    }

    private Set<String> subjectsWhere(java.util.function.IntPredicate row) {
        Set<String> s = new TreeSet<>();
        for (int i = 0; i < prior.size(); i++) if (row.test(i)) s.add(prior.subject(i));
        return s;
    }

    private int[] rowsOf(String subject) {
        List<Integer> r = new ArrayList<>();
        for (int i = 0; i < prior.size(); i++) if (prior.subject(i).equals(subject)) r.add(i);
        return r.stream().mapToInt(Integer::intValue).toArray();
    }

    private float[][] vectorsOf(int[] rows) {
        float[][] v = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) v[i] = priorVectors[rows[i]];
        return v;
    }

    /** The namespace's rows in arrival order, with their prior scores, outcomes and costs. */
    private ReplayNamespace namespace(String name, OutcomeTable table, int[] rows, double[] priorOfRow,
                                      float[][] unused, TokenCounter tokens) {
        Map<Integer, Double> p = new java.util.HashMap<>();
        for (int i = 0; i < rows.length; i++) p.put(rows[i], priorOfRow[i]);
        int[] order = ReplayNamespace.order(rows, name, o.seed());
        int n = order.length;
        String[] ids = new String[n];
        double[] pr = new double[n], w = new double[n], s = new double[n], wc = new double[n], sc = new double[n];
        for (int i = 0; i < n; i++) {
            int r = order[i];
            ids[i] = name + "#" + r;
            pr[i] = p.get(r);
            w[i] = table.weak(r);
            s[i] = table.strong(r);
            int t = tokens.count(table.prompt(r));
            wc[i] = pricing.costUsd(0, t);
            sc[i] = pricing.costUsd(pricing.strongest(), t);
        }
        return new ReplayNamespace(name, order, ids, pr, w, s, wc, sc);
    }

    /** The JSON object of issue 21's protocol. */
    public Map<String, Object> json(Result r) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, List<ReplayMetrics.Decision>> lw = ReplayMetrics.coldWarm(r.learned(), o.coldQueries());
        Map<String, List<ReplayMetrics.Decision>> fw = ReplayMetrics.coldWarm(r.fixed(), o.coldQueries());
        m.put("alpha", o.alpha());
        m.put("calibration_alpha", o.calibrationAlpha());
        m.put("feedback", o.feedback().name().toLowerCase(java.util.Locale.ROOT));
        m.put("seed", o.seed());
        m.put("namespaces", ReplayMetrics.summarize(r.learned()).namespaces());
        m.put("cold", ReplayMetrics.summarize(lw.get("cold")).json());
        m.put("warm", ReplayMetrics.summarize(lw.get("warm")).json());
        m.put("all", ReplayMetrics.summarize(r.learned()).json());
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("cold", ReplayMetrics.summarize(fw.get("cold")).json());
        st.put("warm", ReplayMetrics.summarize(fw.get("warm")).json());
        st.put("all", ReplayMetrics.summarize(r.fixed()).json());
        m.put("static", st);
        m.put("curve", ReplayMetrics.curve(r.learned(), o.window()));
        m.put("static_curve", ReplayMetrics.curve(r.fixed(), o.window()));
        m.put("calibration", r.calibration());
        return m;
    }
}
