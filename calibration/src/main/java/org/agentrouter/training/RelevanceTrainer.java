package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a {@link RelevanceNetwork} with Adam on a listwise loss: per query, a softmax over its candidates
 * (padding masked out) and the cross-entropy against the evidence spread evenly over the evidence candidates,
 * i.e. -mean over evidence rows of log softmax. Queries whose evidence was not retrieved teach nothing and are
 * left out. Forward and backward run in PyTorch (DJL); parameters, optimiser state, order and initialisation
 * come from one seed, as in {@link Trainer}.
 */
public final class RelevanceTrainer {
    public record Settings(int epochs, int batchSize, float learningRate, float weightDecay, long seed) {
        public static Settings defaults(long seed) {
            return new Settings(40, 32, 0.005f, 1e-4f, seed);
        }
    }

    /** One query's candidate rows [MAX_CANDIDATES * CANDIDATE_WIDTH] and labels [MAX_CANDIDATES] (1 = evidence). */
    public record Example(float[] candidates, float[] labels) {
        boolean teaches() {
            for (float y : labels) if (y > 0) return true;
            return false;
        }
    }

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;
    private static final float PADDING = 1e4f;

    private RelevanceTrainer() {}

    public static Weights train(RelevanceNetwork network, List<Example> all, Settings s) {
        List<Example> data = all.stream().filter(Example::teaches).toList();
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
        long step = 0;
        try (NDManager manager = TorchEngine.newManager()) {
            for (int epoch = 0; epoch < s.epochs(); epoch++) {
                for (int i = n - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                for (int from = 0; from < n; from += s.batchSize()) {
                    int size = Math.min(s.batchSize(), n - from);
                    float[] x = new float[size * MAX_CANDIDATES * CANDIDATE_WIDTH];
                    float[] y = new float[size * MAX_CANDIDATES];
                    for (int b = 0; b < size; b++) {
                        Example e = data.get(order[from + b]);
                        System.arraycopy(e.candidates(), 0, x, b * MAX_CANDIDATES * CANDIDATE_WIDTH, MAX_CANDIDATES * CANDIDATE_WIDTH);
                        System.arraycopy(e.labels(), 0, y, b * MAX_CANDIDATES, MAX_CANDIDATES);
                    }
                    step++;
                    try (NDManager scope = manager.newSubManager()) {
                        Map<String, NDArray> w = weights.toArrays(scope);
                        w.values().forEach(a -> a.setRequiresGradient(true));
                        NDArray input = scope.create(x, new Shape(size, MAX_CANDIDATES, CANDIDATE_WIDTH));
                        NDArray labels = scope.create(y, new Shape(size, MAX_CANDIDATES));
                        try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                            NDArray present = input.get(":, :, 0");
                            NDArray logits = network.scores(w, input).add(present.mul(PADDING).sub(PADDING));
                            NDArray logSoftmax = logits.logSoftmax(1);
                            NDArray target = labels.div(labels.sum(new int[] {1}, true));
                            NDArray loss = target.mul(logSoftmax).sum(new int[] {1}).neg().mean();
                            collector.backward(loss);
                        }
                        for (Map.Entry<String, NDArray> e : w.entrySet()) {
                            adam(weights.get(e.getKey()), e.getValue().getGradient().toFloatArray(),
                                    m.get(e.getKey()), v.get(e.getKey()), step, s);
                        }
                    }
                    network.constrain(weights);
                }
            }
        }
        return weights;
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
}
