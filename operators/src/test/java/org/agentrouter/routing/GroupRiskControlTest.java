package org.agentrouter.routing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GroupRiskControlTest {

    /**
     * Four groups with two strong-needed questions each, and a fifth with none (left out: m = 4). The
     * bound is (4 * meanLoss + 1) / 5, and the mean loss steps by 1/8 per question passed.
     */
    @Test
    void picksTheCheapestLambdaWhoseBoundStaysWithinAlpha() {
        double[] p = {0.1, 0.5, 0.2, 0.6, 0.3, 0.7, 0.4, 0.8, 0.05, 0.9};
        boolean[] needsStrong = {true, true, true, true, true, true, true, true, false, false};
        int[] group = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
        GroupRiskControl.Fit fit = GroupRiskControl.fit(p, needsStrong, group, 5,
                new double[] {0.19, 0.2, 0.3, 0.35, 0.45});
        assertEquals(4, fit.groups(), "a group without strong-needed questions has no violation rate");
        // 0.19 < 1/(m+1): only never-cheap keeps it. 0.2: loss 0 allowed (cheap below the lowest p).
        // 0.3 and 0.35: one question of one group (1/8) allowed. 0.45: (4 * 0.25 + 1) / 5 = 0.4, two questions.
        assertArrayEquals(new double[] {0.0, 0.1, 0.2, 0.2, 0.3}, fit.cheapBelow(), 1e-12);
        assertArrayEquals(new double[] {0.0, 0.0, 0.125, 0.125, 0.25}, fit.meanLoss(), 1e-12);
    }

    @Test
    void groupsCountOnceWhateverTheirSize() {
        // Group 0 has 9 strong-needed questions low down, group 1 one high up. Per group, passing all of
        // group 0 costs a loss of 1/2 at once; per question it would have cost 9/10.
        double[] p = {0.11, 0.12, 0.13, 0.14, 0.15, 0.16, 0.17, 0.18, 0.19, 0.9};
        boolean[] needsStrong = new boolean[p.length];
        java.util.Arrays.fill(needsStrong, true);
        int[] group = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        // m = 2: bound(1/2) = (2 * 0.5 + 1) / 3 = 2/3.
        GroupRiskControl.Fit fit = GroupRiskControl.fit(p, needsStrong, group, 2, new double[] {0.67});
        assertEquals(0.9, fit.cheapBelow()[0], 1e-12);
        assertEquals(0.5, GroupRiskControl.meanGroupViolationRate(p, needsStrong, group, 2, 0.9), 1e-12);
    }

    @Test
    void withoutAnyStrongNeededQuestionNothingGoesCheap() {
        GroupRiskControl.Fit fit = GroupRiskControl.fit(new double[] {0.1, 0.2}, new boolean[] {false, false},
                new int[] {0, 1}, 2, new double[] {0.5});
        assertEquals(0, fit.groups());
        assertEquals(0.0, fit.cheapBelow()[0]);
    }

    @Test
    void routerThresholdsSendCheapExactlyBelowLambda() {
        double lambda = 0.375;
        double[][] t = GroupRiskControl.thresholds(new double[] {lambda});
        ConformalRule.Decision d = new ConformalRule.Decision();
        for (double p : new double[] {0.0, 0.2, 0.374999, lambda, 0.375001, 0.9, 1.0}) {
            ConformalRule.decide(new double[] {1 - p, p}, 0.1, 0.1, new double[] {0.1}, t, d);
            assertEquals(p < lambda ? 0 : 1, d.route, "p_strong " + p);
        }
        double[][] never = GroupRiskControl.thresholds(new double[] {0.0});
        ConformalRule.decide(new double[] {1.0, 0.0}, 0.1, 0.1, new double[] {0.1}, never, d);
        assertEquals(1, d.route, "lambda 0 sends even p_strong = 0 to the strong route");
    }

    /**
     * Groups differ by a shift of all their scores, and the easy groups (strong-needed questions scored
     * high) are the big ones. Per-question Mondrian calibration is dominated by the big groups and
     * under-covers a new group drawn from the population of groups; group risk control does not.
     * Both are judged by the expected violation rate of a new group, over many calibration draws.
     */
    @Test
    void perQuestionCalibrationUnderCoversShiftedGroupsAndGroupRiskControlDoesNot() {
        double alpha = 0.1;
        Random random = new Random(42);
        int trials = 300;
        int calibrationGroups = 40;
        int testGroups = 10;
        double groupRisk = 0;
        double mondrian = 0;
        for (int trial = 0; trial < trials; trial++) {
            Population cal = Population.draw(random, calibrationGroups);
            Population test = Population.draw(random, testGroups);

            GroupRiskControl.Fit fit = GroupRiskControl.fit(cal.p(), cal.needsStrong(), cal.group(), calibrationGroups,
                    new double[] {alpha});
            groupRisk += GroupRiskControl.meanGroupViolationRate(test.p(), test.needsStrong(), test.group(), testGroups,
                    fit.cheapBelow()[0]) / trials;

            double[][] probs = new double[cal.p().length][];
            int[] labels = new int[cal.p().length];
            for (int i = 0; i < probs.length; i++) {
                probs[i] = new double[] {1 - cal.p()[i], cal.p()[i]};
                labels[i] = cal.needsStrong()[i] ? 1 : 0;
            }
            double[][] t = ConformalCalibrator.fit(probs, labels, 2, new double[] {alpha}, true);
            mondrian += violationRateOfRouter(test, t) / trials;
        }
        assertTrue(mondrian > alpha + 0.05, "per-question calibration should under-cover new groups here: " + mondrian);
        // Monte Carlo error of the mean over 300 x 10 groups is below 0.01.
        assertTrue(groupRisk <= alpha + 0.01, "group risk control keeps the expected violation rate of a new group: " + groupRisk);
        assertTrue(groupRisk > alpha - 0.05, "and is not trivially conservative: " + groupRisk);
    }

    /** Mean over groups of the violation rate when routing with ConformalRule and these thresholds. */
    private static double violationRateOfRouter(Population test, double[][] thresholds) {
        ConformalRule.Decision d = new ConformalRule.Decision();
        int groups = 0;
        for (int g : test.group()) groups = Math.max(groups, g + 1);
        int[] strong = new int[groups];
        int[] violated = new int[groups];
        for (int i = 0; i < test.p().length; i++) {
            if (!test.needsStrong()[i]) continue;
            double p = test.p()[i];
            ConformalRule.decide(new double[] {1 - p, p}, 0.1, 0.1, new double[] {0.1}, thresholds, d);
            strong[test.group()[i]]++;
            if (d.route == 0) violated[test.group()[i]]++;
        }
        double sum = 0;
        int m = 0;
        for (int g = 0; g < groups; g++) {
            if (strong[g] == 0) continue;
            sum += violated[g] / (double) strong[g];
            m++;
        }
        return sum / m;
    }

    /** Synthetic questions of some groups: p_strong, whether the strong model was needed, the group. */
    private record Population(double[] p, boolean[] needsStrong, int[] group) {
        static Population draw(Random random, int groups) {
            List<double[]> rows = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                double shift = random.nextDouble() * 0.6 - 0.3;
                // Easy groups (high scores for what needs the strong model) are ten times larger.
                int size = shift > 0 ? 400 : 40;
                for (int i = 0; i < size; i++) {
                    boolean strong = random.nextDouble() < 0.2;
                    double p = (strong ? 0.6 : 0.4) + shift + random.nextGaussian() * 0.08;
                    rows.add(new double[] {Math.min(1, Math.max(0, p)), strong ? 1 : 0, g});
                }
            }
            double[] p = new double[rows.size()];
            boolean[] needs = new boolean[rows.size()];
            int[] group = new int[rows.size()];
            for (int i = 0; i < p.length; i++) {
                p[i] = rows.get(i)[0];
                needs[i] = rows.get(i)[1] == 1;
                group[i] = (int) rows.get(i)[2];
            }
            return new Population(p, needs, group);
        }
    }
}
