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

    /**
     * Platt scaling of a trained head: the listwise loss fixes only the order of a query's scores (a shift or a large
     * spread costs it nothing), and sigmoid(s) of a spread-out score saturates at 1.0 in float32, so the best candidates
     * would tie in the served relevance. Fits relevance = sigmoid(a s + b) to the labels of the present training rows
     * (logistic regression on the score, Newton's method) and folds a and b into the last layer: the order stays, the
     * served relevance becomes the estimated probability that the memory is evidence.
     */
    public static Weights calibrate(RelevanceNetwork network, Weights w, List<Example> examples) {
        int rows = 0;
        for (Example e : examples) for (int r = 0; r < MAX_CANDIDATES; r++) if (e.candidates()[r * CANDIDATE_WIDTH] > 0) rows++;
        double[] s = new double[rows];
        double[] y = new double[rows];
        int n = 0;
        for (Example e : examples) {
            for (int r = 0; r < MAX_CANDIDATES; r++) {
                if (e.candidates()[r * CANDIDATE_WIDTH] == 0) continue;
                s[n] = RelevanceNetwork.score(w, network.hidden(), e.candidates(), r);
                y[n++] = e.labels()[r];
            }
        }
        // On the standardised score z = (s - mean) / sd, Newton's method with step halving (the loss never rises).
        double mean = 0;
        for (int i = 0; i < n; i++) mean += s[i];
        mean /= Math.max(1, n);
        double var = 0;
        for (int i = 0; i < n; i++) var += (s[i] - mean) * (s[i] - mean);
        double sd = Math.sqrt(var / Math.max(1, n));
        if (!(sd > 0)) throw new IllegalStateException("the head gives every candidate the same score");
        for (int i = 0; i < n; i++) s[i] = (s[i] - mean) / sd;
        double a = 1;
        double b = 0;
        double loss = logLoss(s, y, n, a, b);
        for (int iteration = 0; iteration < 100; iteration++) {
            // A unit ridge on a and b: negligible on real data (tens of thousands of rows), it keeps the fit finite
            // when training separates evidence perfectly (where a would grow without bound and saturate again).
            double ga = a, gb = b, haa = 1, hab = 0, hbb = 1;
            for (int i = 0; i < n; i++) {
                double p = 1 / (1 + Math.exp(-(a * s[i] + b)));
                double d = p - y[i];
                double v = p * (1 - p);
                ga += d * s[i];
                gb += d;
                haa += v * s[i] * s[i];
                hab += v * s[i];
                hbb += v;
            }
            double det = haa * hbb - hab * hab;
            double da = (hbb * ga - hab * gb) / det;
            double db = (haa * gb - hab * ga) / det;
            double step = 1;
            double next = logLoss(s, y, n, a - da, b - db);
            while (next > loss && step > 1e-6) {
                step /= 2;
                next = logLoss(s, y, n, a - step * da, b - step * db);
            }
            if (next > loss) break;
            a -= step * da;
            b -= step * db;
            boolean done = loss - next < 1e-12;
            loss = next;
            if (done) break;
        }
        // Back to the raw score: a z + b = (a / sd) s + (b - a mean / sd).
        b = b - a * mean / sd;
        a = a / sd;
        if (!(a > 0)) throw new IllegalStateException("the head's scores do not rank evidence higher (Platt slope " + a + ")");
        Weights out = w.copy();
        float[] w2 = out.get("w2");
        for (int i = 0; i < w2.length; i++) w2[i] *= (float) a;
        out.get("b2")[0] = (float) (a * out.scalar("b2") + b);
        return out;
    }

    private static double logLoss(double[] z, double[] y, int n, double a, double b) {
        double sum = (a * a + b * b) / 2;
        for (int i = 0; i < n; i++) {
            double t = a * z[i] + b;
            // log(1 + e^t) - y t, stable for large |t|
            sum += (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))) - y[i] * t;
        }
        return sum;
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
