package org.agentrouter.cli.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.agentrouter.calibration.ConformalFit;
import org.agentrouter.calibration.CrossFitScoring;
import org.agentrouter.calibration.SubjectFolds;
import org.agentrouter.calibration.OfflineRetrieval;
import org.agentrouter.calibration.OfflineScoring;
import org.agentrouter.calibration.ShippedMemory;
import org.agentrouter.calibration.PromptEmbeddings;
import org.agentrouter.calibration.SubjectSplit;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.eval.RoutingCurve;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.DataPaths;
@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Conformal calibration of a model release on real outcomes of subjects its memory has not seen.",
            "group-risk (default): every subject is routed exactly as the job routes (MiniLM, sqlite-vec retrieval,",
            "the release's ONNX model; --retrieval) against a memory of the other subjects only (--calibration-folds subject folds),",
            "and per alpha the cheapest threshold is kept whose conformal risk control bound over subjects is <= alpha:",
            "the expected violation rate of a new subject is at most alpha. mondrian / split: per-question thresholds",
            "fitted on the held-out side of one memory / held-out subject split (--held-out-share).",
            "The thresholds for each alpha, the method and the number of groups are stored in the release."})
public final class CalibrateCommand implements Callable<Integer> {
    @Mixin
    OutcomeDataOptions outcomes = new OutcomeDataOptions();

    @Option(names = "--model", description = "release directory to calibrate (default: ${DEFAULT-VALUE})")
    Path model = DataPaths.repo().resolve("operators/src/main/resources/models/default");

    @Option(names = "--out", description = "where to write the calibrated release (default: over --model)")
    Path out;

    @Option(names = "--alphas", split = ",", description = "default: ${DEFAULT-VALUE}")
    double[] alphas = {0.05, 0.1, 0.2};

    @Option(names = "--method", description = "group-risk (per subject), mondrian (per question and route) or split (per question, marginal) (default: ${DEFAULT-VALUE})")
    String method = ConformalFit.GROUP_RISK;

    @Option(names = "--calibration-folds", description = "subject folds for scoring every subject against a memory of the others"
            + " (0: one memory / held-out split instead; default: 10 for group-risk, 0 for mondrian and split)")
    Integer calibrationFolds;

    @Option(names = "--held-out-share", description = "with --calibration-folds 0: share of subjects held out for calibration (default: ${DEFAULT-VALUE})")
    double heldOutShare = ShippedMemory.HELD_OUT_SHARE;

    @Option(names = "--seed", description = "subject split or folds (default: ${DEFAULT-VALUE})")
    long seed = ShippedMemory.SEED;

    @Option(names = "--exclude", split = ",", description = "subjects left out entirely (default: ${DEFAULT-VALUE}: its strong-model labels are broken, see the data README)")
    Set<String> exclude = ShippedMemory.EXCLUDED;

    @Option(names = "--test-fold", description = "also leave out the subjects of this fold of the baseline study's P1 protocol"
            + " (--folds subject folds, seed --fold-seed), to measure the guarantee on them with eval --test-fold")
    Integer testFold;

    @Option(names = "--folds", description = "with --test-fold (default: ${DEFAULT-VALUE})")
    int folds = SubjectFolds.STUDY_FOLDS;

    @Option(names = "--fold-seed", description = "with --test-fold (default: ${DEFAULT-VALUE})")
    long foldSeed = SubjectFolds.STUDY_SEED;

    @Mixin
    RetrievalOptions retrievalOptions = new RetrievalOptions();

    @Option(names = "--memory-out", description = "the memory store the release is used with: every calibration subject with"
            + " --calibration-folds, else the memory side of the split (default: ${DEFAULT-VALUE})")
    Path memoryOut = ShippedMemory.defaultPath();

    @Override
    public Integer call() throws Exception {
        if (!List.of(ConformalFit.GROUP_RISK, "mondrian", "split").contains(method)) {
            throw new IllegalArgumentException("--method must be group-risk, mondrian or split");
        }
        int crossFolds = calibrationFolds != null ? calibrationFolds : method.equals(ConformalFit.GROUP_RISK) ? 10 : 0;
        if (crossFolds == 1 || crossFolds < 0) throw new IllegalArgumentException("--calibration-folds must be 0 or at least 2");
        OfflineRetrieval retrieval = retrievalOptions.retrieval();
        OutcomeTable all = OutcomeTable.load(outcomes.data, outcomes.promptColumn, outcomes.weak, outcomes.strong);
        Set<String> leftOut = new TreeSet<>(exclude);
        if (testFold != null) {
            Set<String> test = SubjectFolds.subjectsOf(all, testFold, folds, foldSeed);
            System.err.println("test fold " + testFold + " of " + folds + " (seed " + foldSeed + "), left out: " + String.join(",", test));
            leftOut.addAll(test);
        }
        OutcomeTable table = all.filter(i -> !leftOut.contains(all.subject(i)));
        float[][] vectors = PromptEmbeddings.ofSelection(all, i -> !leftOut.contains(all.subject(i)), ShippedMemory.EXCLUDED,
                PromptEmbeddings.defaultCacheDir());
        ModelRelease release = ModelReleases.read(model);
        byte[] onnx = ModelReleases.modelBytes(release);

        SubjectSplit split;
        OfflineScoring.Scored scored;
        String protocol;
        if (crossFolds >= 2) {
            if (crossFolds > table.subjects().size()) {
                throw new IllegalArgumentException("--calibration-folds " + crossFolds + " exceeds the " + table.subjects().size() + " subjects");
            }
            split = new SubjectSplit(new TreeSet<>(table.subjects()), new TreeSet<>(table.subjects()));
            System.err.printf("%d questions in %d subjects (%d left out); each subject scored against a memory of the others (%d subject folds)%n",
                    table.size(), table.subjects().size(), all.size() - table.size(), crossFolds);
            int memories = ShippedMemory.build(memoryOut, table, vectors, split, outcomes.goodAt);
            scored = CrossFitScoring.score(table, vectors, crossFolds, seed, memoryOut.toAbsolutePath().getParent(),
                    ShippedMemory.NAMESPACE, onnx, retrieval, outcomes.goodAt);
            protocol = "unseen subjects, cross-fitted: each of " + table.subjects().size() + " subjects (" + scored.size()
                    + " questions) scored against a memory of the other " + (crossFolds - 1) + " of " + crossFolds
                    + " subject folds, seed " + seed + "; the release's memory holds all of them (" + memories
                    + " questions); left out " + leftOut;
        } else {
            split = SubjectSplit.of(table.subjects(), heldOutShare, seed);
            System.err.printf("%d questions in %d subjects (%d left out); memory: %d subjects, held out: %d subjects%n",
                    table.size(), table.subjects().size(), all.size() - table.size(),
                    split.memorySubjects().size(), split.heldOutSubjects().size());
            int memories = ShippedMemory.build(memoryOut, table, vectors, split, outcomes.goodAt);
            scored = OfflineScoring.score(table, vectors, memoryOut, ShippedMemory.NAMESPACE, onnx, retrieval, outcomes.goodAt,
                    i -> split.heldOutSubjects().contains(table.subject(i)));
            protocol = "unseen subjects: memory " + split.memorySubjects().size() + " subjects (" + memories
                    + " questions), calibration " + split.heldOutSubjects().size() + " subjects (" + scored.size()
                    + " questions), seed " + seed + ", left out " + leftOut;
        }
        int[] group = new int[scored.size()];
        for (int j = 0; j < group.length; j++) group[j] = table.subjectIndex(scored.rows()[j]);
        String dataHash = CalibrationDataHash.of(table, split, crossFolds, seed);
        ConformalCalibration calibration = method.equals(ConformalFit.GROUP_RISK)
                ? ConformalFit.fitGroupRisk(scored, group, table.subjects().size(), alphas, dataHash)
                : ConformalFit.fit(scored, alphas, method.equals("mondrian"), dataHash);

        Map<String, String> metadata = new TreeMap<>(release.getMetadata());
        metadata.put("calibration.data", outcomes.data.getFileName() + " (" + outcomes.weak + " vs " + outcomes.strong + ")");
        metadata.put("calibration.protocol", protocol);
        metadata.put("calibration.retrieval", retrieval.describe());
        metadata.put("calibration.heldout_subjects", String.join(",", split.heldOutSubjects()));
        metadata.put("calibration.memory_subjects", String.join(",", split.memorySubjects()));
        double[] weakOut = new double[scored.size()];
        double[] strongOut = new double[scored.size()];
        for (int j = 0; j < scored.size(); j++) {
            weakOut[j] = table.weak(scored.rows()[j]);
            strongOut[j] = table.strong(scored.rows()[j]);
        }
        RoutingCurve curve = RoutingCurve.evaluate(scored.pStrong(), weakOut, strongOut);
        metadata.put("heldout.apgr", String.format(java.util.Locale.ROOT, "%.4f", curve.apgr()));
        metadata.put("heldout.cpt50", String.format(java.util.Locale.ROOT, "%.4f", curve.cpt50()));
        metadata.put("heldout.cpt80", String.format(java.util.Locale.ROOT, "%.4f", curve.cpt80()));
        ModelRelease calibrated = ModelRelease.newBuilder(release).setCalibration(calibration).setMetadata(metadata).build();
        Path target = out == null ? model : out;
        ModelReleases.write(target, calibrated);

        System.out.printf("calibrated %s %s on %d questions of %d subjects (%s%s); written to %s%n",
                release.getName(), release.getVersion(), scored.size(), split.heldOutSubjects().size(), method,
                method.equals(ConformalFit.GROUP_RISK) ? ", " + calibration.getGroupCount() + " groups" : "", target);
        System.out.printf("routing quality on them (RouteLLM method): APGR %.4f, CPT(50%%) %.2f%%, CPT(80%%) %.2f%%, random APGR %.4f%n",
                curve.apgr(), 100 * curve.cpt50(), 100 * curve.cpt80(), curve.randomApgr());
        System.out.println("alpha  strong_threshold  cheap_threshold  violation_rate  per_subject_mean  strong_share  coverage  (in-sample)");
        for (int a = 0; a < alphas.length; a++) {
            ConformalFit.Outcome o = ConformalFit.apply(scored, calibration, alphas[a], group);
            System.out.printf("%.2f   %.4f            %.4f           %.4f          %.4f            %.4f        %.4f%n", alphas[a],
                    calibration.getStrongThresholds().get(a), calibration.getCheapThresholds().get(a),
                    o.violationsAmongStrongLabels(), o.meanGroupViolationRate(), o.strongShare(), o.coverage());
        }
        return 0;
    }

    /** Identifies what the calibration saw: the data's subjects and sizes on each side, and the seed. */
    static final class CalibrationDataHash {
        static String of(OutcomeTable t, SubjectSplit split, int crossFolds, long seed) {
            List<String> parts = new java.util.ArrayList<>(List.of(String.valueOf(t.size()), String.join(",", split.memorySubjects()),
                    String.join(",", split.heldOutSubjects())));
            // Cross-fitted scores depend on the subject folds too; single-split hashes stay as they were.
            if (crossFolds >= 2) parts.add("crossfit " + crossFolds + " seed " + seed);
            return ModelReleases.sha256Hex(String.join("|", parts).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
