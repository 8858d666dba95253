package org.agentrouter.study;

import java.util.Arrays;
import java.util.Random;

/**
 * Binary logistic regression with L2, trained by mini-batch gradient descent on standardised inputs.
 * Targets may be soft (any value in [0, 1]): the study maps a gain of -1/0/+1 to 0/0.5/1, so the
 * predicted probability is monotone in the expected gain, which is all a router's ranking needs.
 */
final class LogisticRegression {

    record Options(double l2, int epochs, double learningRate, int batchSize, long seed) {
        /** Defaults for a few hundred standardised inputs and ten thousand rows; not tuned on test folds. */
        static Options defaults() {
            return new Options(1e-3, 10, 0.05, 32, 17L);
        }
    }

    private final double[] mean;
    private final double[] scale;
    private final double[] weights;
    private final double bias;

    private LogisticRegression(double[] mean, double[] scale, double[] weights, double bias) {
        this.mean = mean;
        this.scale = scale;
        this.weights = weights;
        this.bias = bias;
    }

    static LogisticRegression fit(double[][] x, double[] target, Options options) {
        return fit(x, target, null, options);
    }

    /** @param weights per-row weights with mean 1 (null: all 1), e.g. to give every subject the same say */
    static LogisticRegression fit(double[][] x, double[] target, double[] weights, Options options) {
        int n = x.length;
        int d = x[0].length;
        double[] mean = new double[d];
        double[] scale = new double[d];
        Standardisation.fit(x, mean, scale);
        double[][] z = new double[n][];
        for (int i = 0; i < n; i++) {
            z[i] = Standardisation.apply(x[i], mean, scale);
        }
        double[] w = new double[d];
        double b = logit(clamp(average(target)));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(options.seed());
        double[] gradient = new double[d];
        for (int epoch = 0; epoch < options.epochs(); epoch++) {
            shuffle(order, random);
            // 1/sqrt decay: large early steps, then settle instead of bouncing around the optimum
            double rate = options.learningRate() / Math.sqrt(1 + epoch);
            for (int from = 0; from < n; from += options.batchSize()) {
                int to = Math.min(n, from + options.batchSize());
                Arrays.fill(gradient, 0);
                double biasGradient = 0;
                for (int k = from; k < to; k++) {
                    double[] row = z[order[k]];
                    double error = sigmoid(b + dot(w, row)) - target[order[k]];
                    if (weights != null) {
                        error *= weights[order[k]];
                    }
                    for (int j = 0; j < d; j++) {
                        gradient[j] += error * row[j];
                    }
                    biasGradient += error;
                }
                int size = to - from;
                for (int j = 0; j < d; j++) {
                    w[j] -= rate * (gradient[j] / size + options.l2() * w[j]);
                }
                b -= rate * biasGradient / size;
            }
        }
        return new LogisticRegression(mean, scale, w, b);
    }

    double predict(double[] x) {
        double sum = bias;
        for (int j = 0; j < weights.length; j++) {
            sum += weights[j] * (x[j] - mean[j]) * scale[j];
        }
        return sigmoid(sum);
    }

    private static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int j = 0; j < a.length; j++) {
            sum += a[j] * b[j];
        }
        return sum;
    }

    private static double sigmoid(double v) {
        return 1 / (1 + Math.exp(-v));
    }

    private static double logit(double p) {
        return Math.log(p / (1 - p));
    }

    private static double clamp(double p) {
        return Math.min(1 - 1e-6, Math.max(1e-6, p));
    }

    private static double average(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    private static void shuffle(int[] order, Random random) {
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
