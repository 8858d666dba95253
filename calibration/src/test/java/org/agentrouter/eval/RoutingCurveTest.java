package org.agentrouter.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutingCurveTest {

    private static final double EPS = 1e-12;

    /** Ten prompts, weak right on 8, strong right on all: only prompts 8 and 9 need the strong model. */
    private static final double[] WEAK = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
    private static final double[] STRONG = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

    private static double[] ascendingScores() {
        return new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    }

    @Test
    void oracleRouterReachesTheHandComputedCurve() {
        RoutingCurve curve = RoutingCurve.evaluate(ascendingScores(), WEAK, STRONG);

        assertEquals(10, curve.n());
        assertEquals(0.8, curve.accWeak(), EPS);
        assertEquals(1.0, curve.accStrong(), EPS);
        List<RoutingCurve.Point> points = curve.points();
        assertEquals(RoutingCurve.POINTS, points.size());
        // Deciles of 0..9 are 0.9 * i; ">= 0.9 i" keeps 10 - i prompts; the last point uses "> 9".
        for (int i = 0; i < RoutingCurve.POINTS; i++) {
            assertEquals(0.9 * i, points.get(i).threshold(), 1e-9, "threshold " + i);
            assertEquals((10 - i) / 10.0, points.get(i).strongShare(), EPS, "share " + i);
        }
        assertEquals(0.9, points.get(9).accuracy(), EPS);
        assertEquals(0.5, points.get(9).pgr(), EPS);
        assertEquals(0.0, points.get(10).pgr(), EPS);
        assertEquals(1.0, points.get(8).pgr(), EPS);
        // area: 0.1 * (0 + 0.5) / 2 + 0.1 * (0.5 + 1) / 2 + 0.8 * 1
        assertEquals(0.9, curve.apgr(), EPS);
        assertEquals(0.1, curve.cpt50(), EPS);
        // PGR 0.8 lies 60% of the way from (0.1, 0.5) to (0.2, 1.0)
        assertEquals(0.16, curve.cpt80(), EPS);
    }

    @Test
    void reversedOracleIsWorseThanRandom() {
        double[] reversed = new double[10];
        for (int i = 0; i < 10; i++) {
            reversed[i] = 9 - i;
        }
        RoutingCurve curve = RoutingCurve.evaluate(reversed, WEAK, STRONG);

        // The two helpful prompts are the last ones sent to the strong model: PGR stays 0 up to 80%.
        assertEquals(0.0, curve.points().get(2).pgr(), EPS);
        assertEquals(0.5, curve.points().get(1).pgr(), EPS);
        assertEquals(0.1, curve.apgr(), EPS);
        assertEquals(0.9, curve.cpt50(), EPS);
        assertEquals(0.96, curve.cpt80(), EPS);
    }

    @Test
    void cptForAnyTargetInterpolatesBetweenPoints() {
        RoutingCurve curve = RoutingCurve.evaluate(ascendingScores(), WEAK, STRONG);

        assertEquals(0.0, curve.cpt(0.0), EPS);
        assertEquals(0.05, curve.cpt(0.25), EPS);
        assertEquals(0.2, curve.cpt(1.0), EPS);
        assertTrue(Double.isNaN(curve.cpt(1.01)), "a PGR above 1 is never reached here");
    }

    @Test
    void cptTakesTheFirstCrossingOfANonMonotoneCurve() {
        // Prompt 9 (top score) gains, prompt 8 loses, prompt 7 gains: PGR goes 0 -> 1 -> 0 -> 1 ...
        double[] weak = {1, 1, 1, 1, 1, 1, 1, 0, 1, 0};
        double[] strong = {1, 1, 1, 1, 1, 1, 1, 1, 0, 1};
        RoutingCurve curve = RoutingCurve.evaluate(ascendingScores(), weak, strong);

        // accWeak 0.8, accStrong 0.9; at 10% strong calls acc 0.9 -> PGR 1 already
        assertEquals(1.0, curve.points().get(9).pgr(), EPS);
        assertEquals(0.0, curve.points().get(8).pgr(), EPS);
        assertEquals(0.05, curve.cpt50(), EPS);
    }

    @Test
    void allTiedScoresRouteEverythingUntilTheLastPoint() {
        double[] tied = new double[10];
        RoutingCurve curve = RoutingCurve.evaluate(tied, WEAK, STRONG);

        for (int i = 0; i < 10; i++) {
            assertEquals(1.0, curve.points().get(i).strongShare(), EPS);
        }
        assertEquals(0.0, curve.points().get(10).strongShare(), EPS);
        // one trapezoid from (0, 0) to (1, 1): what routing the tied block at random is worth
        assertEquals(0.5, curve.apgr(), EPS);
        assertEquals(0.5, curve.cpt50(), EPS);
    }

    @Test
    void tiesAtAThresholdAllGoToTheStrongModel() {
        double[] scores = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
        double[] weak = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0};
        RoutingCurve curve = RoutingCurve.evaluate(scores, weak, STRONG);

        // deciles 0,0,0,0,0,0.5,1,1,1,1,1 (the 50% one interpolates between the two tied blocks)
        assertEquals(0.5, curve.points().get(5).threshold(), EPS);
        for (int i = 0; i < 5; i++) {
            assertEquals(1.0, curve.points().get(i).strongShare(), EPS);
        }
        for (int i = 5; i < 10; i++) {
            assertEquals(0.5, curve.points().get(i).strongShare(), EPS);
            assertEquals(1.0, curve.points().get(i).pgr(), EPS);
        }
        // (0,0) -> (0.5,1) -> (1,1)
        assertEquals(0.25 + 0.5, curve.apgr(), EPS);
        assertEquals(0.25, curve.cpt50(), EPS);
        assertEquals(0.4, curve.cpt80(), EPS);
    }

    @Test
    void gradedOutcomesUseMeanScores() {
        // judge scores 1-10: strong better on prompts 2 and 3 only
        double[] weak = {8, 8, 2, 4};
        double[] strong = {8, 8, 10, 8};
        double[] scores = {0.1, 0.2, 0.9, 0.5};
        RoutingCurve curve = RoutingCurve.evaluate(scores, weak, strong);

        assertEquals(5.5, curve.accWeak(), EPS);
        assertEquals(8.5, curve.accStrong(), EPS);
        // Deciles of (0.1, 0.2, 0.5, 0.9) at 70% (position 2.1) = 0.54: only the 0.9 prompt is >= it.
        RoutingCurve.Point seventy = curve.points().get(7);
        assertEquals(0.54, seventy.threshold(), 1e-12);
        assertEquals(0.25, seventy.strongShare(), EPS);
        assertEquals((8 + 8 + 10 + 4) / 4.0, seventy.accuracy(), EPS);
        assertEquals((7.5 - 5.5) / 3.0, seventy.pgr(), EPS);
        // at 50% the two helpful prompts are both on the strong model
        assertEquals(0.5, curve.points().get(5).strongShare(), EPS);
        assertEquals(1.0, curve.points().get(5).pgr(), EPS);
    }

    @Test
    void randomScoresGiveAboutHalfAndMatchTheRandomBaseline() {
        Random random = new Random(7);
        int n = 20_000;
        double[] weak = new double[n];
        double[] strong = new double[n];
        double[] scores = new double[n];
        for (int i = 0; i < n; i++) {
            weak[i] = random.nextDouble() < 0.66 ? 1 : 0;
            strong[i] = random.nextDouble() < 0.80 ? 1 : 0;
            scores[i] = random.nextDouble();
        }
        RoutingCurve curve = RoutingCurve.evaluate(scores, weak, strong, 20, 1L);

        assertEquals(0.5, curve.apgr(), 0.05);
        assertEquals(0.5, curve.cpt50(), 0.06);
        assertEquals(0.5, curve.randomApgr(), 0.02);
        assertTrue(curve.randomApgrStd() > 0 && curve.randomApgrStd() < 0.05, "std " + curve.randomApgrStd());
    }

    @Test
    void oracleOnRandomOutcomesBeatsRandomAndReversedLoses() {
        Random random = new Random(11);
        int n = 5_000;
        double[] weak = new double[n];
        double[] strong = new double[n];
        double[] gain = new double[n];
        double[] reversed = new double[n];
        for (int i = 0; i < n; i++) {
            weak[i] = random.nextDouble() < 0.66 ? 1 : 0;
            strong[i] = random.nextDouble() < 0.80 ? 1 : 0;
            gain[i] = strong[i] - weak[i];
            reversed[i] = -gain[i];
        }
        assertTrue(RoutingCurve.evaluate(gain, weak, strong).apgr() > 0.85);
        assertTrue(RoutingCurve.evaluate(reversed, weak, strong).apgr() < 0.15);
    }

    @Test
    void equalModelsLeavePgrUndefined() {
        RoutingCurve curve = RoutingCurve.evaluate(ascendingScores(), STRONG, STRONG, 0, 0);

        assertTrue(Double.isNaN(curve.apgr()));
        assertTrue(Double.isNaN(curve.cpt50()));
        assertTrue(Double.isNaN(curve.randomApgr()), "no random draws requested");
    }

    @Test
    void rejectsMismatchedOrNonFiniteInput() {
        assertThrows(IllegalArgumentException.class,
                () -> RoutingCurve.evaluate(new double[3], new double[3], new double[2]));
        assertThrows(IllegalArgumentException.class,
                () -> RoutingCurve.evaluate(new double[0], new double[0], new double[0]));
        assertThrows(IllegalArgumentException.class,
                () -> RoutingCurve.evaluate(new double[] {Double.NaN}, new double[1], new double[1]));
    }

    @Test
    void quantileMatchesNumpyLinearInterpolation() {
        double[] ascending = {1, 2, 4, 8};
        assertEquals(1.0, RoutingCurve.quantile(ascending, 0.0), EPS);
        assertEquals(8.0, RoutingCurve.quantile(ascending, 1.0), EPS);
        // numpy.quantile([1,2,4,8], 0.5) == 3.0; 0.9 -> position 2.7 -> 4 + 0.7*4
        assertEquals(3.0, RoutingCurve.quantile(ascending, 0.5), EPS);
        assertEquals(6.8, RoutingCurve.quantile(ascending, 0.9), 1e-12);
    }
}
