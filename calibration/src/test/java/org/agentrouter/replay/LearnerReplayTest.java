package org.agentrouter.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.learning.SharedPrior;
import org.junit.jupiter.api.Test;

class LearnerReplayTest {
    private static final int[] STAGES = LearnerSettings.DEFAULT_STAGES;

    /** A namespace whose queries need the strong model at the given rate; the prior knows nothing (0.2 for all). */
    private static ReplayNamespace namespace(String name, int n, double needsRate, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] rows = new int[n];
        String[] ids = new String[n];
        double[] prior = new double[n], weak = new double[n], strong = new double[n], wc = new double[n], sc = new double[n];
        for (int i = 0; i < n; i++) {
            rows[i] = i;
            ids[i] = name + "#" + i;
            prior[i] = 0.2;
            boolean needs = r.nextDouble() < needsRate;
            strong[i] = needs || r.nextDouble() < 0.7 ? 1 : 0;
            weak[i] = needs ? 0 : (strong[i] == 1 ? 1 : r.nextDouble() < 0.5 ? 1 : 0);
            wc[i] = 0.01;
            sc[i] = 1;
        }
        return new ReplayNamespace(name, rows, ids, prior, weak, strong, wc, sc);
    }

    @Test
    void pooledThresholdKeepsAtMostAlphaOfTheStrongNeededBelowIt() {
        List<ReplayMetrics.Decision> ds = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // p = i / 100; every fifth query needed the strong model: 20 of them
            ds.add(new ReplayMetrics.Decision("n", i, i, true, false, i / 100.0, 0, 0, 0, 1, i % 5 == 0));
        }
        double t = LearnerReplay.pooledThreshold(ds, 0.1 * 20); // 2 of 20 may go cheap: p = 0.00 and 0.05, not 0.10
        assertEquals(0.10, t, 1e-12);
        int below = 0;
        for (ReplayMetrics.Decision d : ds) if (d.pStrong() < t && d.needsStrong()) below++;
        assertEquals(2, below);
    }

    @Test
    void theLearnerSendsAnEasyNamespaceCheapAndAHardOneStrongAfterItsOutcomes() {
        List<ReplayNamespace> calibration = new ArrayList<>();
        for (int i = 0; i < 40; i++) calibration.add(namespace("cal" + i, 300, i % 2 == 0 ? 0.03 : 0.4, i));
        double[] start = new double[STAGES.length];
        java.util.Arrays.fill(start, 0.0);
        LearnerSettings s = LearnerSettings.single(SharedPrior.constant(0.2), 20, 0.3, 0.5, STAGES, 0.1, start, 1.0, 1.0, 50, 1);
        LearnerSettings fitted = LearnerReplay.calibrate(calibration, s, 0.1, LearnerReplay.Feedback.CHOSEN, 3, 1, 0.5);
        // the prior says nothing: the first stage cannot tell the namespaces apart and must not go cheap
        assertTrue(fitted.cheapBelow()[0][0] <= 0.2, "stage 0 threshold " + fitted.cheapBelow()[0][0]);

        List<LearnerReplay.Step> easy = LearnerReplay.run(List.of(namespace("easy", 300, 0.03, 99)), fitted,
                LearnerReplay.Feedback.CHOSEN, true, 0.5);
        List<LearnerReplay.Step> hard = LearnerReplay.run(List.of(namespace("hard", 300, 0.4, 98)), fitted,
                LearnerReplay.Feedback.CHOSEN, true, 0.5);
        assertTrue(easy.get(0).decision().strong());
        long easyCheapLate = easy.subList(200, 300).stream().filter(x -> !x.decision().strong()).count();
        long hardCheapLate = hard.subList(200, 300).stream().filter(x -> !x.decision().strong()).count();
        assertTrue(easyCheapLate > 80, "easy namespace cheap in its last 100: " + easyCheapLate);
        assertEquals(0, hardCheapLate);
        // learning off: the same stream, no probes, the stage-0 threshold throughout
        List<LearnerReplay.Step> off = LearnerReplay.run(List.of(namespace("easy", 300, 0.03, 99)), fitted,
                LearnerReplay.Feedback.CHOSEN, false, 0.5);
        assertFalse(off.stream().anyMatch(x -> x.decision().probe()));
        ReplayMetrics.Summary m = ReplayMetrics.summarize(easy.stream().map(LearnerReplay.Step::decision).toList());
        assertTrue(m.costSaved() > 0.5, "cost saved " + m.costSaved());
    }

    @Test
    void aProbedCheapAnswerIsNotAViolationAndProbesCost() {
        List<ReplayMetrics.Decision> ds = List.of(
                new ReplayMetrics.Decision("n", 0, 0, false, false, 0.1, 0.01, 1, 0, 1, true),  // violation
                new ReplayMetrics.Decision("n", 1, 1, false, true, 0.1, 1.01, 1, 0, 1, true),   // probed: got both
                new ReplayMetrics.Decision("n", 2, 2, true, true, 0.9, 1.01, 1, 1, 1, false),
                new ReplayMetrics.Decision("n", 3, 3, true, false, 0.9, 1, 1, 0, 1, true));
        ReplayMetrics.Summary s = ReplayMetrics.summarize(ds);
        assertEquals(1, s.violations());
        assertEquals(3, s.needsStrong());
        assertEquals(1 - (0.01 + 1.01 + 1.01 + 1) / 4, s.costSaved(), 1e-12);
        assertEquals(0.5, s.probeShare(), 1e-12);
    }

    @Test
    void theMarginLooksAtSetsOfNamespacesNotAtTheAverage() {
        List<int[]> same = new ArrayList<>();
        for (int i = 0; i < 10; i++) same.add(new int[] {1, 10});
        assertEquals(0.1, LearnerFit.subsetQuantile(same, 3, 0.9, 2000, 1), 1e-12);
        // one namespace in ten carries every violation: the average is 0.1, a set of one is 0 or 1
        List<int[]> oneBad = new ArrayList<>();
        for (int i = 0; i < 9; i++) oneBad.add(new int[] {0, 10});
        oneBad.add(new int[] {10, 10});
        assertEquals(0.0, LearnerFit.subsetQuantile(oneBad, 1, 0.5, 2000, 1), 1e-12);
        assertEquals(1.0, LearnerFit.subsetQuantile(oneBad, 1, 0.95, 2000, 1), 1e-12);
        // sets of all ten are the whole pool: the pooled rate
        assertEquals(0.1, LearnerFit.subsetQuantile(oneBad, 10, 0.95, 200, 1), 1e-12);
    }
}
