package org.agentrouter.training;

import org.agentrouter.progress.Progress;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import java.util.Map;
import java.util.Random;

/**
 * Trains a {@link RouterNetwork} with Adam on binary cross-entropy against a target in [0, 1]. The forward and
 * backward passes run in PyTorch (DJL); parameters, optimiser state, batch order and initialisation live
 * in Java and come from one seed, so the same seed and data give the same weights.
 */
public final class Trainer {
    public record Settings(int epochs, int batchSize, float learningRate, float weightDecay, long seed, boolean progress) {
        public static Settings defaults(long seed) {
            return new Settings(12, 128, 0.01f, 1e-4f, seed, true);
        }
    }

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private Trainer() {}

    public static Weights train(RouterNetwork network, TrainingSet data, Settings s) {
        Random random = new Random(s.seed());
        Weights weights = network.initialWeights(random);
        Map<String, float[]> m = new java.util.HashMap<>();
        Map<String, float[]> v = new java.util.HashMap<>();
        for (String name : weights.names()) {
            m.put(name, new float[weights.get(name).length]);
            v.put(name, new float[weights.get(name).length]);
        }
        int n = data.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        int batches = (n + s.batchSize() - 1) / s.batchSize();
        long step = 0;
        float[] batchInput = new float[s.batchSize() * TrainingSet.ROW_FLOATS];
        float[] batchQuery = new float[s.batchSize() * QUERY_WIDTH];
        try (NDManager manager = TorchEngine.newManager();
             Progress bar = s.progress() ? Progress.start("training " + network.name(), (long) s.epochs() * batches, "batches") : null) {
            for (int epoch = 0; epoch < s.epochs(); epoch++) {
                shuffle(order, random);
                double lossSum = 0;
                for (int b = 0; b < batches; b++) {
                    int from = b * s.batchSize();
                    int size = Math.min(s.batchSize(), n - from);
                    float[] labels = new float[size];
                    for (int i = 0; i < size; i++) {
                        System.arraycopy(data.candidates()[order[from + i]], 0, batchInput, i * TrainingSet.ROW_FLOATS,
                                TrainingSet.ROW_FLOATS);
                        System.arraycopy(data.queries()[order[from + i]], 0, batchQuery, i * QUERY_WIDTH, QUERY_WIDTH);
                        labels[i] = data.labels()[order[from + i]];
                    }
                    step++;
                    try (NDManager scope = manager.newSubManager()) {
                        Map<String, NDArray> w = weights.toArrays(scope);
                        w.values().forEach(a -> a.setRequiresGradient(true));
                        NDArray x = scope.create(java.util.Arrays.copyOf(batchInput, size * TrainingSet.ROW_FLOATS),
                                new Shape(size, MAX_CANDIDATES, CANDIDATE_WIDTH));
                        NDArray q = network.readsQuery() ? scope.create(java.util.Arrays.copyOf(batchQuery,
                                size * QUERY_WIDTH), new Shape(size, QUERY_WIDTH)) : null;
                        NDArray y = scope.create(labels);
                        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                            NDArray z = network.logit(w, x, q);
                            // BCE with logits: softplus(z) - y z, stable for large |z|.
                            NDArray loss = Activation.softPlus(z).sub(y.mul(z)).mean();
                            collector.backward(loss);
                            lossSum += loss.getFloat() * size;
                        }
                        for (Map.Entry<String, NDArray> e : w.entrySet()) {
                            adam(weights.get(e.getKey()), e.getValue().getGradient().toFloatArray(),
                                    m.get(e.getKey()), v.get(e.getKey()), step, s);
                        }
                    }
                    network.constrain(weights, epoch, s.epochs());
                    if (bar != null) bar.step();
                }
                if (bar != null) bar.setExtraMessage(String.format(java.util.Locale.ROOT, "loss %.4f", lossSum / n));
            }
        }
        return weights;
    }

    /** The network's logit for each input, in order, with PyTorch (for tests and checks, not serving). */
    public static float[] logits(RouterNetwork network, Weights weights, TrainingSet inputs) {
        int n = inputs.size();
        try (NDManager manager = TorchEngine.newManager()) {
            float[] flat = new float[n * TrainingSet.ROW_FLOATS];
            float[] queries = new float[n * QUERY_WIDTH];
            for (int i = 0; i < n; i++) {
                System.arraycopy(inputs.candidates()[i], 0, flat, i * TrainingSet.ROW_FLOATS, TrainingSet.ROW_FLOATS);
                System.arraycopy(inputs.queries()[i], 0, queries, i * QUERY_WIDTH, QUERY_WIDTH);
            }
            NDArray x = manager.create(flat, new Shape(n, MAX_CANDIDATES, CANDIDATE_WIDTH));
            NDArray q = network.readsQuery() ? manager.create(queries, new Shape(n, QUERY_WIDTH)) : null;
            return network.logit(weights.toArrays(manager), x, q).toFloatArray();
        }
    }

    private static void adam(float[] w, float[] g, float[] m, float[] v, long step, Settings s) {
        double c1 = 1 - Math.pow(BETA1, step);
        double c2 = 1 - Math.pow(BETA2, step);
        for (int i = 0; i < w.length; i++) {
            float grad = g[i] + s.weightDecay() * w[i];
            m[i] = BETA1 * m[i] + (1 - BETA1) * grad;
            v[i] = BETA2 * v[i] + (1 - BETA2) * grad * grad;
            w[i] -= (float) (s.learningRate() * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPSILON));
        }
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
