package org.agentrouter.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.agentrouter.calibration.ConformalFit;
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

@Command(name = "calibrate", mixinStandardHelpOptions = true,
        description = {"Conformal calibration of a model release on real outcomes kept apart from its memory:",
            "subjects (CSV files) are split into a memory side and a held-out side; held-out questions are routed",
            "exactly as the job routes them (MiniLM, sqlite-vec retrieval, the release's ONNX model), and the",
            "thresholds for each alpha are stored in the release."})
final class CalibrateCommand implements Callable<Integer> {
    @Mixin
    OutcomeDataOptions outcomes = new OutcomeDataOptions();

    @Option(names = "--model", description = "release directory to calibrate (default: ${DEFAULT-VALUE})")
    Path model = DataPaths.repo().resolve("operators/src/main/resources/models/default");

    @Option(names = "--out", description = "where to write the calibrated release (default: over --model)")
    Path out;

    @Option(names = "--alphas", split = ",", description = "default: ${DEFAULT-VALUE}")
    double[] alphas = {0.05, 0.1, 0.2};

    @Option(names = "--method", description = "mondrian (per route) or split (marginal) (default: ${DEFAULT-VALUE})")
    String method = "mondrian";

    @Option(names = "--held-out-share", description = "share of subjects held out for calibration (default: ${DEFAULT-VALUE})")
    double heldOutShare = ShippedMemory.HELD_OUT_SHARE;

    @Option(names = "--seed", description = "default: ${DEFAULT-VALUE}")
    long seed = ShippedMemory.SEED;

    @Option(names = "--exclude", split = ",", description = "subjects left out entirely (default: ${DEFAULT-VALUE}: its strong-model labels are broken, see the data README)")
    Set<String> exclude = ShippedMemory.EXCLUDED;

    @Option(names = "--k", description = "memory candidates per question (default: ${DEFAULT-VALUE})")
    int k = 100;

    @Option(names = "--memory-out", description = "the memory store built from the memory side (default: ${DEFAULT-VALUE})")
    Path memoryOut = ShippedMemory.defaultPath();

    @Override
    public Integer call() throws Exception {
        if (!method.equals("mondrian") && !method.equals("split")) {
            throw new IllegalArgumentException("--method must be mondrian or split");
        }
        OutcomeTable all = OutcomeTable.load(outcomes.data, outcomes.promptColumn, outcomes.weak, outcomes.strong);
        OutcomeTable table = all.filter(i -> !exclude.contains(all.subject(i)));
        SubjectSplit split = SubjectSplit.of(table.subjects(), heldOutShare, seed);
        System.err.printf("%d questions in %d subjects (%d excluded); memory: %d subjects, held out: %d subjects%n",
                table.size(), table.subjects().size(), all.size() - table.size(),
                split.memorySubjects().size(), split.heldOutSubjects().size());

        float[][] vectors = PromptEmbeddings.of(table.prompts(), PromptEmbeddings.defaultCacheDir());
        int memories = ShippedMemory.build(memoryOut, table, vectors, split, outcomes.goodAt);

        ModelRelease release = ModelReleases.read(model);
        OfflineScoring.Scored scored = OfflineScoring.score(table, vectors, memoryOut, ShippedMemory.NAMESPACE,
                ModelReleases.modelBytes(release), k, outcomes.goodAt, i -> split.heldOutSubjects().contains(table.subject(i)));
        String dataHash = CalibrationDataHash.of(table, split);
        ConformalCalibration calibration = ConformalFit.fit(scored, alphas, method.equals("mondrian"), dataHash);

        Map<String, String> metadata = new TreeMap<>(release.getMetadata());
        metadata.put("calibration.data", outcomes.data.getFileName() + " (" + outcomes.weak + " vs " + outcomes.strong + ")");
        metadata.put("calibration.protocol", "unseen subjects: memory " + split.memorySubjects().size()
                + " subjects (" + memories + " questions), calibration " + split.heldOutSubjects().size()
                + " subjects (" + scored.size() + " questions), seed " + seed + ", excluded " + exclude);
        metadata.put("calibration.heldout_subjects", String.join(",", split.heldOutSubjects()));
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

        System.out.printf("calibrated %s %s on %d held-out questions (%s); written to %s%n",
                release.getName(), release.getVersion(), scored.size(), method, target);
        System.out.printf("held-out routing quality (RouteLLM method): APGR %.4f, CPT(50%%) %.2f%%, CPT(80%%) %.2f%%, random APGR %.4f%n",
                curve.apgr(), 100 * curve.cpt50(), 100 * curve.cpt80(), curve.randomApgr());
        System.out.println("alpha  strong_threshold  cheap_threshold  violation_rate  strong_share  coverage  (in-sample)");
        for (int a = 0; a < alphas.length; a++) {
            ConformalFit.Outcome o = ConformalFit.apply(scored, calibration, alphas[a]);
            System.out.printf("%.2f   %.4f            %.4f           %.4f          %.4f        %.4f%n", alphas[a],
                    calibration.getStrongThresholds().get(a), calibration.getCheapThresholds().get(a),
                    o.violationsAmongStrongLabels(), o.strongShare(), o.coverage());
        }
        return 0;
    }

    /** Identifies what the calibration saw: the data's subjects and sizes on each side, and the seed. */
    static final class CalibrationDataHash {
        static String of(OutcomeTable t, SubjectSplit split) {
            List<String> parts = List.of(String.valueOf(t.size()), String.join(",", split.memorySubjects()),
                    String.join(",", split.heldOutSubjects()));
            return ModelReleases.sha256Hex(String.join("|", parts).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
    }
}
