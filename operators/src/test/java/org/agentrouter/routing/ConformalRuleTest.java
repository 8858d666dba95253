package org.agentrouter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ConformalRuleTest {
    private static final double[] ALPHAS = {0.05, 0.1, 0.2};

    @Test
    void cheapWhenOnlyCheapIsPlausible() {
        // strong in set when 1 - p <= 0.3 (p >= 0.7); cheap in set when p <= 0.6
        double[][] thresholds = {{0.6, 0.6, 0.6}, {0.3, 0.3, 0.3}};
        ConformalRule.Decision d = new ConformalRule.Decision();
        ConformalRule.decide(new double[] {0.8, 0.2}, Double.NaN, 0.1, ALPHAS, thresholds, d);
        assertEquals(0, d.route);
        assertEquals(1, d.setSize);
        assertFalse(d.uncertain);
        assertEquals(0.8, d.confidence, 1e-12);
    }

    @Test
    void aSetHoldingStrongSendsToStrong() {
        double[][] thresholds = {{0.9, 0.9, 0.9}, {0.5, 0.5, 0.5}};
        ConformalRule.Decision d = new ConformalRule.Decision();
        ConformalRule.decide(new double[] {0.4, 0.6}, Double.NaN, 0.1, ALPHAS, thresholds, d);
        assertTrue(d.inSet(0));
        assertTrue(d.inSet(1));
        assertEquals(1, d.route);
        assertTrue(d.uncertain);
    }

    @Test
    void emptySetGoesToStrongest() {
        double[][] thresholds = {{0.1, 0.1, 0.1}, {0.1, 0.1, 0.1}};
        ConformalRule.Decision d = new ConformalRule.Decision();
        ConformalRule.decide(new double[] {0.5, 0.5}, Double.NaN, 0.1, ALPHAS, thresholds, d);
        assertEquals(0, d.setSize);
        assertEquals(1, d.route);
        assertTrue(d.uncertain);
    }

    @Test
    void queryAlphaPicksTheNearestCalibratedAlphaAtLeastAsStrict() {
        assertEquals(1, ConformalRule.strictestAtLeast(ALPHAS, 0.15));
        assertEquals(2, ConformalRule.strictestAtLeast(ALPHAS, 0.2));
        assertEquals(0, ConformalRule.strictestAtLeast(ALPHAS, 0.05));
        assertEquals(-1, ConformalRule.strictestAtLeast(ALPHAS, 0.01));
        ConformalRule.Decision d = new ConformalRule.Decision();
        ConformalRule.decide(new double[] {0.9, 0.1}, 0.01, 0.1, ALPHAS, new double[][] {{1, 1, 1}, {1, 1, 1}}, d);
        assertEquals(1, d.route);
        assertNotNull(d.note);
    }

    @Test
    void threeTiersTakeTheMostExpensiveRouteInTheSet() {
        double[] alphas = {0.1};
        double[][] thresholds = {{0.5}, {0.75}, {0.1}};
        ConformalRule.Decision d = new ConformalRule.Decision();
        // label probs: cheap 0.6 (in: 0.4 <= 0.5), mid 0.3 (in: 0.7 <= 0.75), top 0.1 (out)
        ConformalRule.decide(new double[] {0.6, 0.3, 0.1}, Double.NaN, 0.1, alphas, thresholds, d);
        assertEquals(2, d.setSize);
        assertEquals(1, d.route);
    }

    @Test
    void mondrianCalibrationCoversEachRouteOnFreshData() {
        // A noisy but informative scorer: labels drawn from the score itself, so the data are exchangeable.
        Random rnd = new Random(7);
        int n = 4000;
        double[][] probs = new double[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            double p = rnd.nextDouble();
            probs[i] = new double[] {1 - p, p};
            labels[i] = rnd.nextDouble() < p ? 1 : 0;
        }
        double[][] thresholds = ConformalCalibrator.fit(probs, labels, 2, ALPHAS, true);
        int[] missedStrong = new int[ALPHAS.length];
        int strongTotal = 0;
        ConformalRule.Decision d = new ConformalRule.Decision();
        for (int i = 0; i < n; i++) {
            double p = rnd.nextDouble();
            boolean needsStrong = rnd.nextDouble() < p;
            if (needsStrong) strongTotal++;
            for (int a = 0; a < ALPHAS.length; a++) {
                ConformalRule.decide(new double[] {1 - p, p}, ALPHAS[a], 0.1, ALPHAS, thresholds, d);
                if (needsStrong && !d.inSet(1)) missedStrong[a]++;
            }
        }
        for (int a = 0; a < ALPHAS.length; a++) {
            double missRate = missedStrong[a] / (double) strongTotal;
            // coverage >= 1 - alpha up to sampling error (about 3 standard errors at n = 2000)
            assertTrue(missRate <= ALPHAS[a] + 3 * Math.sqrt(ALPHAS[a] * (1 - ALPHAS[a]) / strongTotal),
                    "alpha " + ALPHAS[a] + " missed " + missRate);
            assertTrue(missRate >= ALPHAS[a] - 0.05, "needlessly conservative at alpha " + ALPHAS[a] + ": " + missRate);
        }
    }

    @Test
    void quantileIsTheFiniteSampleCorrectedRank() {
        double[] scores = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
        // n = 9, alpha = 0.2: rank ceil(10 * 0.8) = 8 -> 0.8
        assertEquals(0.8, ConformalCalibrator.quantile(scores, 0.2), 1e-12);
        // alpha = 0.05: rank ceil(10 * 0.95) = 10 > 9 -> always admit
        assertEquals(1.0, ConformalCalibrator.quantile(scores, 0.05), 1e-12);
    }
}
