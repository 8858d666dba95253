package org.agentrouter.training;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.agentrouter.modelbuild.SeedModelBuilder;

/**
 * Runs one protocol fold by fold: builds the fold's inputs once, trains every network on the training
 * prompts, and scores the test prompts with the seed, the two kNN votes and each trained model (fp32
 * and INT8 ONNX), all on the same candidate rows.
 */
public final class ProtocolRun {
    /** The row of the shipped seed model. */
    public static final String SEED_ROUTER = "seed hand-set weighting (shipped)";

    /** Sizes in bytes of the files of one trained model. */
    public record ModelFiles(String router, int onnxBytes, int int8OnnxBytes, int safetensorsBytes, int parameters,
                             int nonZero) {}

    public record Result(List<TrainingProtocol.FoldScore> scores, Map<String, ModelFiles> files) {
        /** Mean and sample std over folds, per router, in first-seen order. */
        public String markdown() {
            Map<String, List<TrainingProtocol.FoldScore>> byRouter = new LinkedHashMap<>();
            for (TrainingProtocol.FoldScore s : scores) byRouter.computeIfAbsent(s.router(), r -> new ArrayList<>()).add(s);
            StringBuilder out = new StringBuilder("| router | APGR | CPT(50%) | CPT(80%) | us per call |\n|---|---|---|---|---|\n");
            byRouter.forEach((router, list) -> out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", router,
                    meanStd(list, TrainingProtocol.FoldScore::apgr, 1, "%.3f"),
                    meanStd(list, TrainingProtocol.FoldScore::cpt50, 100, "%.1f%%"),
                    meanStd(list, TrainingProtocol.FoldScore::cpt80, 100, "%.1f%%"),
                    Double.isNaN(list.get(0).microsPerCall()) ? "-" : meanStd(list, TrainingProtocol.FoldScore::microsPerCall, 1, "%.1f"))));
            return out.toString();
        }

        /** Routers scored, in first-seen order. */
        public List<String> routers() {
            return scores.stream().map(TrainingProtocol.FoldScore::router).distinct().toList();
        }

        /**
         * One router's mean and sample std over folds as metadata entries ({@code prefix}apgr, apgr_std, cpt50,
         * cpt50_std, cpt80, cpt80_std, folds); empty when the router was not scored.
         */
        public Map<String, String> summary(String router, String prefix) {
            List<TrainingProtocol.FoldScore> list = scores.stream().filter(s -> s.router().equals(router)).toList();
            Map<String, String> out = new LinkedHashMap<>();
            if (list.isEmpty()) return out;
            put(out, prefix + "apgr", list, TrainingProtocol.FoldScore::apgr);
            put(out, prefix + "cpt50", list, TrainingProtocol.FoldScore::cpt50);
            put(out, prefix + "cpt80", list, TrainingProtocol.FoldScore::cpt80);
            out.put(prefix + "folds", Integer.toString(list.size()));
            return out;
        }

        private static void put(Map<String, String> out, String key, List<TrainingProtocol.FoldScore> list,
                                java.util.function.ToDoubleFunction<TrainingProtocol.FoldScore> f) {
            double[] m = meanAndStd(list.stream().mapToDouble(f).toArray());
            out.put(key, String.format(Locale.ROOT, "%.4f", m[0]));
            out.put(key + "_std", String.format(Locale.ROOT, "%.4f", m[1]));
        }

        private static String meanStd(List<TrainingProtocol.FoldScore> list,
                                      java.util.function.ToDoubleFunction<TrainingProtocol.FoldScore> f, double scale, String format) {
            double[] m = meanAndStd(list.stream().mapToDouble(f).map(x -> x * scale).toArray());
            return String.format(Locale.ROOT, format + " +- " + format, m[0], m[1]);
        }

        /** Mean and sample standard deviation (0 for one value). */
        private static double[] meanAndStd(double[] v) {
            double mean = java.util.Arrays.stream(v).average().orElse(Double.NaN);
            double ss = 0;
            for (double x : v) ss += (x - mean) * (x - mean);
            return new double[] {mean, v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0};
        }
    }

    private ProtocolRun() {}

    public static Result run(TrainingProtocol data, TrainingProtocol.Protocol protocol, long foldSeed,
                             List<RouterNetwork> networks, Trainer.Settings settings) throws Exception {
        return run(data, protocol, foldSeed, networks, null, settings);
    }

    /**
     * @param teacher when not null: also trained on each fold, scored, and every network is trained a
     *     second time on the teacher's probabilities for the training prompts (knowledge distillation)
     */
    public static Result run(TrainingProtocol data, TrainingProtocol.Protocol protocol, long foldSeed,
                             List<RouterNetwork> networks, RouterNetwork teacher, Trainer.Settings settings) throws Exception {
        int[] fold = data.folds(protocol, foldSeed);
        byte[] seedModel = SeedModelBuilder.build();
        List<TrainingProtocol.FoldScore> scores = new ArrayList<>();
        Map<String, ModelFiles> files = new LinkedHashMap<>();
        for (int f = 0; f < TrainingProtocol.foldCount(protocol); f++) {
            final int current = f;
            int[] test = IntStream.range(0, data.size()).filter(p -> fold[p] == current).toArray();
            int[] train = IntStream.range(0, data.size()).filter(p -> fold[p] != current).toArray();
            boolean[] inTraining = new boolean[data.size()];
            for (int p : train) inTraining[p] = true;
            TrainingSet testSet = data.features(test, q -> (IntPredicate) j -> inTraining[j]);
            // Only trained models need the training prompts' inputs (--baselines-only scores the test prompts alone).
            boolean training = !networks.isEmpty() || teacher != null;
            TrainingSet trainSet = training ? data.features(train, data.trainingMemory(protocol, inTraining)) : null;
            double[] weak = data.weak(test);
            double[] strong = data.strong(test);

            TrainingProtocol.OnnxScores seed = TrainingProtocol.scoreOnnx(seedModel, testSet);
            scores.add(TrainingProtocol.score(SEED_ROUTER, f, seed.pStrong(), weak, strong, seed.microsPerCall()));
            scores.add(TrainingProtocol.score("kNN gain vote k=" + "100 uniform", f, TrainingProtocol.knnGain(testSet, false), weak, strong, Double.NaN));
            scores.add(TrainingProtocol.score("kNN gain vote k=100 sim-weighted", f, TrainingProtocol.knnGain(testSet, true), weak, strong, Double.NaN));
            Trainer.Settings foldSettings = new Trainer.Settings(settings.epochs(), settings.batchSize(),
                    settings.learningRate(), settings.weightDecay(), settings.seed() + f, settings.progress());
            TrainingSet distilled = null;
            if (teacher != null) {
                Weights t = Trainer.train(teacher, trainSet, foldSettings);
                TrainingProtocol.OnnxScores ts = TrainingProtocol.scoreOnnx(teacher.onnx(t, false, Map.of()), testSet);
                scores.add(TrainingProtocol.score("teacher " + teacher.name() + " " + teacher.describe().get("hidden")
                        + " hidden", f, ts.pStrong(), weak, strong, ts.microsPerCall()));
                float[] logits = Trainer.logits(teacher, t, trainSet);
                float[] soft = new float[logits.length];
                for (int i = 0; i < soft.length; i++) soft[i] = (float) (1 / (1 + Math.exp(-logits[i])));
                distilled = trainSet.withLabels(soft);
            }
            for (RouterNetwork network : networks) {
                if (distilled != null) {
                    Weights d = Trainer.train(network, distilled, foldSettings);
                    TrainingProtocol.OnnxScores ds = TrainingProtocol.scoreOnnx(network.onnx(d, false, Map.of()), testSet);
                    scores.add(TrainingProtocol.score(network.name() + " fp32 distilled", f, ds.pStrong(), weak, strong,
                            ds.microsPerCall()));
                }
                Weights w = Trainer.train(network, trainSet, foldSettings);
                byte[] fp32 = network.onnx(w, false, Map.of());
                byte[] int8 = network.onnx(w, true, Map.of());
                TrainingProtocol.OnnxScores a = TrainingProtocol.scoreOnnx(fp32, testSet);
                TrainingProtocol.OnnxScores b = TrainingProtocol.scoreOnnx(int8, testSet);
                scores.add(TrainingProtocol.score(network.name() + " fp32", f, a.pStrong(), weak, strong, a.microsPerCall()));
                scores.add(TrainingProtocol.score(network.name() + " int8", f, b.pStrong(), weak, strong, b.microsPerCall()));
                try (ai.djl.ndarray.NDManager m = TorchEngine.newManager()) {
                    files.put(network.name(), new ModelFiles(network.name(), fp32.length, int8.length,
                            w.toSafetensors(m).length, w.parameterCount(), w.nonZeroCount()));
                }
            }
            System.err.printf(Locale.ROOT, "%s fold %d: %d test, %d training prompts%n", protocol, f, test.length, train.length);
            for (TrainingProtocol.FoldScore s : scores) {
                if (s.fold() == f) {
                    System.err.printf(Locale.ROOT, "  %-40s APGR %.3f  CPT50 %.1f%%  CPT80 %.1f%%%n", s.router(), s.apgr(),
                            100 * s.cpt50(), 100 * s.cpt80());
                }
            }
        }
        return new Result(scores, files);
    }
}
