package org.agentrouter.routing;

import java.util.Arrays;

/**
 * Fits the thresholds {@link ConformalRule} applies, from scores on calibration queries kept
 * apart from training. Split conformal uses one threshold for all routes (marginal coverage);
 * Mondrian (class-conditional) calibration fits one per route, so each route's label is covered at
 * 1 - alpha on its own, which matters when one route is rare.
 */
public final class ConformalCalibrator {
    private ConformalCalibrator() {}

    /**
     * @param labelProbs labelProbs[i][k]: P(label = k) the scorer gave calibration query i
     * @param labels the cheapest route that answered query i well
     * @return thresholds[k][a]
     */
    public static double[][] fit(double[][] labelProbs, int[] labels, int routes, double[] alphas, boolean mondrian) {
        double[][] thresholds = new double[routes][alphas.length];
        if (mondrian) {
            for (int k = 0; k < routes; k++) {
                double[] scores = nonConformity(labelProbs, labels, k);
                for (int a = 0; a < alphas.length; a++) {
                    thresholds[k][a] = quantile(scores, alphas[a]);
                }
            }
        } else {
            double[] scores = nonConformity(labelProbs, labels, -1);
            for (int a = 0; a < alphas.length; a++) {
                double q = quantile(scores, alphas[a]);
                for (int k = 0; k < routes; k++) thresholds[k][a] = q;
            }
        }
        return thresholds;
    }

    /** Scores 1 - P(true label) of the queries whose label is {@code onlyLabel} (all when -1). */
    private static double[] nonConformity(double[][] probs, int[] labels, int onlyLabel) {
        double[] s = new double[labels.length];
        int n = 0;
        for (int i = 0; i < labels.length; i++) {
            if (onlyLabel < 0 || labels[i] == onlyLabel) {
                s[n++] = 1.0 - probs[i][labels[i]];
            }
        }
        return Arrays.copyOf(s, n);
    }

    /**
     * The ceil((n + 1)(1 - alpha))-th smallest score: the finite-sample corrected quantile that gives
     * coverage >= 1 - alpha for exchangeable data. With too few scores for that rank, 1.0, which
     * admits the route always (scores never exceed 1).
     */
    static double quantile(double[] scores, double alpha) {
        int n = scores.length;
        int rank = (int) Math.ceil((n + 1) * (1.0 - alpha));
        if (n == 0 || rank > n) {
            return 1.0;
        }
        double[] sorted = scores.clone();
        Arrays.sort(sorted);
        return sorted[Math.max(rank, 1) - 1];
    }
}
