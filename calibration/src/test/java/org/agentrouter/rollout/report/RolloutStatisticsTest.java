package org.agentrouter.rollout.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.agentrouter.rollout.report.RolloutStatistics.Estimate;
import org.junit.jupiter.api.Test;

/** The report's statistics against published values and, where none exist, against seeded simulations. */
class RolloutStatisticsTest {

    @Test
    void wilsonIntervalsAreTheLibrarysAndHoldAtZero() {
        Estimate none = RolloutStatistics.proportion(0, 10);
        assertEquals(0, none.value());
        assertEquals(0, none.lower(), 1e-12);
        assertEquals(0.2775, none.upper(), 1e-4); // Wilson, 0 of 10 (Newcombe 1998, table I)
        Estimate e = RolloutStatistics.proportion(81, 263);
        assertEquals(0.2553, e.lower(), 1e-4); // Newcombe 1998, table I, 81/263: 0.2553-0.3662
        assertEquals(0.3662, e.upper(), 1e-4);
        assertTrue(Double.isNaN(RolloutStatistics.proportion(0, 0).value()));
    }

    @Test
    void differenceOfProportionsIsNewcombesHybridScoreInterval() {
        // Newcombe (1998), "Interval estimation for the difference between independent proportions", table II, method 10.
        Estimate a = RolloutStatistics.difference(56, 70, 48, 80);
        assertEquals(0.2, a.value(), 1e-12);
        assertEquals(0.0524, a.lower(), 1e-4);
        assertEquals(0.3339, a.upper(), 1e-4);
        Estimate b = RolloutStatistics.difference(9, 10, 3, 10);
        assertEquals(0.1705, b.lower(), 1e-4);
        assertEquals(0.8090, b.upper(), 1e-4);
    }

    @Test
    void theDifferenceIntervalCoversTheTrueDifferenceAboutNinetyFivePercentOfTheTime() {
        Random rnd = new Random(1);
        int covered = 0;
        int runs = 2000;
        for (int r = 0; r < runs; r++) {
            long x1 = binomial(rnd, 300, 0.08);
            long x2 = binomial(rnd, 500, 0.05);
            Estimate d = RolloutStatistics.difference(x1, 300, x2, 500);
            if (d.lower() <= 0.03 && 0.03 <= d.upper()) covered++;
        }
        double coverage = (double) covered / runs;
        assertTrue(coverage > 0.93 && coverage < 0.975, "coverage " + coverage);
    }

    @Test
    void costSavedIntervalCoversTheTrueSavingAboutNinetyFivePercentOfTheTime() {
        // Queries of random length; a share q of them go cheap at 1/30 of the strong cost: saved = q (1 - 1/30)
        // weighted by cost, which with lengths independent of the route is q * 29/30.
        Random rnd = new Random(2);
        double q = 0.4;
        double truth = q * 29.0 / 30;
        int covered = 0;
        int runs = 1000;
        for (int r = 0; r < runs; r++) {
            VariantTally t = new VariantTally();
            for (int i = 0; i < 300; i++) {
                double strong = 0.001 + rnd.nextDouble() * 0.01;
                t.addDecision("1.0.0", rnd.nextDouble() < q ? strong / 30 : strong, strong, i);
            }
            Estimate e = RolloutStatistics.costSaved(t);
            if (e.lower() <= truth && truth <= e.upper()) covered++;
        }
        double coverage = (double) covered / runs;
        assertTrue(coverage > 0.93 && coverage < 0.97, "coverage " + coverage);
    }

    @Test
    void sampleSizeIsCohensForTwoProportionsAndTheDetectableEffectIsItsInverse() {
        // p 0.05 vs 0.10, equal arms: h = 0.1925, n = (1.96 + 0.8416)^2 * 2 / h^2 = 423.7 (pwr.2p.test: 423.6).
        long[] n = RolloutStatistics.outcomesNeeded(0.05, 0.05, 0, 0);
        assertEquals(424, n[0]);
        assertEquals(424, n[1]);
        // Unequal arms keep their ratio: a champion with 4 outcomes per challenger outcome.
        long[] unequal = RolloutStatistics.outcomesNeeded(0.05, 0.02, 4000, 1000);
        assertEquals(4.0, (double) unequal[0] / unequal[1], 0.01);
        double mde = RolloutStatistics.minimumDetectableIncrease(0.05, unequal[0], unequal[1]);
        assertTrue(mde <= 0.02 && mde > 0.0199, "detectable at the outcomes needed for 0.02: " + mde);
        assertEquals(Double.POSITIVE_INFINITY, RolloutStatistics.minimumDetectableIncrease(0.05, 100, 0));
        assertEquals(1 - 0.05, RolloutStatistics.minimumDetectableIncrease(0.05, 1, 1), 1e-12, "a handful of outcomes detect nothing");
    }

    @Test
    void atTheOutcomesNeededTheVerdictsOwnIntervalDetectsTheEffectWithAboutTheStatedPower() {
        long[] n = RolloutStatistics.outcomesNeeded(0.05, 0.03, 2, 1); // champion twice the challenger
        Random rnd = new Random(3);
        int detected = 0;
        int runs = 2000;
        for (int r = 0; r < runs; r++) {
            long champion = binomial(rnd, n[0], 0.05);
            long challenger = binomial(rnd, n[1], 0.08);
            if (RolloutStatistics.difference(challenger, n[1], champion, n[0]).above(0)) detected++;
        }
        double power = (double) detected / runs;
        // Newcombe's interval is a little conservative against the arcsine approximation: about 0.8, not above it.
        assertTrue(power > 0.74 && power < 0.86, "power " + power + " at " + n[0] + " + " + n[1]);
    }

    static long binomial(Random rnd, long n, double p) {
        long x = 0;
        for (long i = 0; i < n; i++) if (rnd.nextDouble() < p) x++;
        return x;
    }
}
