package org.agentrouter.study;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Gradient-boosted decision stumps under squared loss: an additive model of one-feature step
 * functions. It captures monotone but non-linear effects (a similarity threshold, a length cut) that a
 * logistic model on raw features cannot, while staying too simple to memorise ten thousand rows.
 * Thresholds come from training quantiles ({@code bins} per feature) so a round costs one histogram pass.
 */
final class BoostedStumps {

    record Options(int rounds, double shrinkage, int bins, int minLeaf) {
        /** Fixed before looking at any test fold. */
        static Options defaults() {
            return new Options(200, 0.05, 32, 100);
        }
    }

    private record Stump(int feature, double cut, double left, double right) {}

    private final double base;
    private final List<Stump> stumps;

    private BoostedStumps(double base, List<Stump> stumps) {
        this.base = base;
        this.stumps = stumps;
    }

    static BoostedStumps fit(double[][] x, double[] y, Options options) {
        double[] ones = new double[x.length];
        Arrays.fill(ones, 1);
        return fit(x, y, ones, options);
    }

    /** Weighted squared loss; {@code minLeaf} still counts rows. */
    static BoostedStumps fit(double[][] x, double[] y, double[] weights, Options options) {
        int n = x.length;
        int d = x[0].length;
        double[][] cuts = new double[d][];
        int[][] bin = new int[d][n];
        for (int f = 0; f < d; f++) {
            cuts[f] = quantileCuts(x, f, options.bins());
            for (int i = 0; i < n; i++) {
                bin[f][i] = binOf(cuts[f], x[i][f]);
            }
        }
        double weightTotal = Arrays.stream(weights).sum();
        double base = 0;
        for (int i = 0; i < n; i++) {
            base += weights[i] * y[i] / weightTotal;
        }
        double[] prediction = new double[n];
        Arrays.fill(prediction, base);
        double[] residual = new double[n];
        List<Stump> stumps = new ArrayList<>();
        for (int round = 0; round < options.rounds(); round++) {
            double total = 0;
            for (int i = 0; i < n; i++) {
                residual[i] = y[i] - prediction[i];
                total += weights[i] * residual[i];
            }
            Stump best = null;
            double bestGain = 0;
            for (int f = 0; f < d; f++) {
                int bins = cuts[f].length + 1;
                double[] sum = new double[bins];
                double[] weight = new double[bins];
                int[] count = new int[bins];
                for (int i = 0; i < n; i++) {
                    sum[bin[f][i]] += weights[i] * residual[i];
                    weight[bin[f][i]] += weights[i];
                    count[bin[f][i]]++;
                }
                double leftSum = 0;
                double leftWeight = 0;
                int leftCount = 0;
                for (int c = 0; c < cuts[f].length; c++) {
                    leftSum += sum[c];
                    leftWeight += weight[c];
                    leftCount += count[c];
                    if (leftCount < options.minLeaf() || n - leftCount < options.minLeaf()) {
                        continue;
                    }
                    double rightSum = total - leftSum;
                    double rightWeight = weightTotal - leftWeight;
                    // reduction of the weighted squared error when each side takes its mean residual
                    double gain = leftSum * leftSum / leftWeight + rightSum * rightSum / rightWeight
                            - total * total / weightTotal;
                    if (gain > bestGain) {
                        bestGain = gain;
                        best = new Stump(f, cuts[f][c], options.shrinkage() * leftSum / leftWeight,
                                options.shrinkage() * rightSum / rightWeight);
                    }
                }
            }
            if (best == null) {
                break;
            }
            stumps.add(best);
            for (int i = 0; i < n; i++) {
                prediction[i] += x[i][best.feature()] <= best.cut() ? best.left() : best.right();
            }
        }
        return new BoostedStumps(base, List.copyOf(stumps));
    }

    double predict(double[] x) {
        double sum = base;
        for (Stump s : stumps) {
            sum += x[s.feature()] <= s.cut() ? s.left() : s.right();
        }
        return sum;
    }

    /** Distinct interior quantiles of column f; a value v falls left of cut c when v <= c. */
    private static double[] quantileCuts(double[][] x, int f, int bins) {
        double[] column = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            column[i] = x[i][f];
        }
        Arrays.sort(column);
        return IntStream.range(1, bins)
                .mapToDouble(b -> column[(int) ((long) b * (column.length - 1) / bins)])
                .distinct()
                .toArray();
    }

    /** Index of the first cut >= v, i.e. the bin of v; cuts.length when v exceeds every cut. */
    private static int binOf(double[] cuts, double v) {
        int lo = 0;
        int hi = cuts.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cuts[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
