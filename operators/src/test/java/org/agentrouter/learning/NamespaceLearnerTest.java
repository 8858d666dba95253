package org.agentrouter.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NamespaceLearnerTest {
    private static final int[] STAGES = {0, 10, 50};

    private static LearnerSettings settings(double... thresholds) {
        return LearnerSettings.single(SharedPrior.constant(0.2), 20, 0.25, 0.5, STAGES, 0.1, thresholds, 1.0, 1.0, 50, 7);
    }

    @Test
    void aNamespaceWithoutOutcomesIsDecidedByThePriorAndTheFirstStage() {
        LearnerSettings s = settings(0.1, 0.3, 0.5);
        NamespaceLearner.Decision low = NamespaceLearner.decide(s, 0, 0.05, new NamespaceOutcomes(), "q1");
        NamespaceLearner.Decision high = NamespaceLearner.decide(s, 0, 0.2, new NamespaceOutcomes(), "q2");
        assertEquals(0.05, low.pStrong(), 1e-12);
        assertFalse(low.strong());
        // 0.2 would be cheap in a later stage, not in the first: no query goes cheap for lack of evidence
        assertTrue(high.strong());
        assertEquals(0, high.stage());
    }

    @Test
    void ownOutcomesMoveTheScoreTowardsTheNamespacesRate() {
        LearnerSettings s = settings(0.1, 0.1, 0.1);
        NamespaceOutcomes easy = new NamespaceOutcomes();
        // 60 probed strong decisions where both models answered well: nothing needed the strong model
        for (int i = 0; i < 60; i++) easy.add(true, 1, 1, true);
        NamespaceLearner.Decision d = NamespaceLearner.decide(s, 0, 0.3, easy, "q");
        double rate = (0 + 2 * 0.25) / (60 + 2); // the two pseudo-observations of P(W=0 | S=1) remain
        assertEquals((60 * rate + 20 * 0.3) / 80, d.pStrong(), 1e-9);
        assertFalse(d.strong());
        assertEquals(2, d.stage());

        NamespaceOutcomes hard = new NamespaceOutcomes();
        for (int i = 0; i < 60; i++) hard.add(true, 0, 1, true); // every strong answer was needed
        double hardRate = (60 + 2 * 0.25) / (60 + 2);
        assertEquals((60 * hardRate + 20 * 0.3) / 80, NamespaceLearner.decide(s, 0, 0.3, hard, "q").pStrong(), 1e-9);
    }

    @Test
    void whatOnlyAProbeShowsLeansOnThePublicConditionals() {
        NamespaceOutcomes o = new NamespaceOutcomes();
        // 10 cheap decisions, all answered wrong, no probe: whether the strong model would have done better is unseen
        for (int i = 0; i < 10; i++) o.add(false, 0, Double.NaN, false);
        assertEquals(0.5, o.needsStrongRate(0.25, 0.5), 1e-12);
        // 10 strong decisions answered right, the cheap outcome unseen
        NamespaceOutcomes s = new NamespaceOutcomes();
        for (int i = 0; i < 10; i++) s.add(true, Double.NaN, 1, false);
        assertEquals(0.25, s.needsStrongRate(0.25, 0.5), 1e-12);
        // probed: the seen cheap outcomes outweigh the two pseudo-observations
        for (int i = 0; i < 8; i++) s.add(true, 1, 1, true);
        assertEquals((0 + 2 * 0.25) / (8 + 2), s.needsStrongRate(0.25, 0.5), 1e-12);
    }

    @Test
    void probesAreDrawnFromTheQueryIdAndShrinkWithOutcomes() {
        LearnerSettings s = LearnerSettings.single(SharedPrior.constant(0.2), 20, 0.25, 0.5, STAGES, 0.1, new double[] {0, 0, 0}, 1.0, 0.5, 10, 3);
        int first = 0, later = 0;
        NamespaceOutcomes many = new NamespaceOutcomes();
        for (int i = 0; i < 100; i++) many.add(true, 1, 1, false);
        for (int i = 0; i < 4000; i++) {
            String id = "q" + i;
            NamespaceLearner.Decision a = NamespaceLearner.decide(s, 0, 0.5, new NamespaceOutcomes(), id);
            assertEquals(a.probe(), NamespaceLearner.decide(s, 0, 0.5, new NamespaceOutcomes(), id).probe());
            if (a.probe()) first++;
            if (NamespaceLearner.decide(s, 0, 0.5, many, id).probe()) later++;
        }
        assertEquals(0.5, first / 4000.0, 0.03);
        assertEquals(0.05, later / 4000.0, 0.015); // 0.5 x 10 / 100
        // cheap decisions are never probed by this policy (a probe there would cost the strong call)
        LearnerSettings cheapAll = LearnerSettings.single(SharedPrior.constant(0.2), 20, 0.25, 0.5, STAGES, 0.1, new double[] {1, 1, 1}, 1.0, 1.0, 10, 3);
        assertFalse(NamespaceLearner.decide(cheapAll, 0, 0.5, new NamespaceOutcomes(), "x").probe());
    }
}
