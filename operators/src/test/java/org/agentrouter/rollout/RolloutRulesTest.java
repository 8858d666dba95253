package org.agentrouter.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RolloutRulesTest {
    private final RolloutRules.Settings settings = new RolloutRules.Settings(); // defaults: 200 decisions, 2x / 2%, 1.5x / 200 us

    /** A variant with {@code decisions} decisions, {@code failures} failed scorings, every scoring taking {@code micros}. */
    private static RolloutRules.Window window(String role, long decisions, long failures, long micros) {
        VariantStats s = VariantStats.decisions(role, role.equals("champion") ? "1.0.0" : "1.1.0", false, 0);
        for (long i = 0; i < decisions; i++) s.record(i < failures, i < failures, false, micros);
        RolloutRules.Window w = new RolloutRules.Window(s.role, s.version);
        w.add(s);
        return w;
    }

    @Test
    void aChallengerFailingTwiceAsOftenAsTheChampionIsRolledBack() {
        RolloutRules.Verdict v = RolloutRules.judge(window("champion", 1000, 30, 50), window("challenger", 300, 19, 50), null, settings);
        assertTrue(v.rollback(), v.reason());
        assertEquals(RolloutRules.RULE_ERRORS, v.rule());
        assertTrue(v.reason().contains("challenger 1.1.0") && v.reason().contains("19 of 300"), v.reason());
    }

    @Test
    void anErrorRateUnderTwiceTheChampionsIsKept() {
        assertFalse(RolloutRules.judge(window("champion", 1000, 30, 50), window("challenger", 300, 17, 50), null, settings).rollback());
    }

    @Test
    void tooFewDecisionsNeverRollBackHoweverBadTheyLook() {
        RolloutRules.Verdict v = RolloutRules.judge(window("champion", 1000, 0, 50), window("challenger", 3, 3, 5000), null, settings);
        assertFalse(v.rollback());
        assertTrue(v.reason().contains("3 decisions"), v.reason());
        assertFalse(RolloutRules.judge(window("champion", 1000, 0, 50), window("challenger", 199, 199, 5000), null, settings).rollback());
        assertTrue(RolloutRules.judge(window("champion", 1000, 0, 50), window("challenger", 200, 199, 50), null, settings).rollback());
    }

    @Test
    void againstAnErrorFreeChampionTheFloorDecides() {
        // 1% errors: over 2 x 0, but under the 2% floor.
        assertFalse(RolloutRules.judge(window("champion", 1000, 0, 50), window("challenger", 1000, 10, 50), null, settings).rollback());
        assertTrue(RolloutRules.judge(window("champion", 1000, 0, 50), window("challenger", 1000, 30, 50), null, settings).rollback());
    }

    @Test
    void aChampionWithoutTrafficLeavesOnlyTheFloorAndNoLatencyRule() {
        RolloutRules.Window idle = window("champion", 10, 0, 50);
        assertFalse(RolloutRules.judge(idle, window("challenger", 1000, 0, 50_000), null, settings).rollback(),
                "no latency comparison without a measured champion");
        assertFalse(RolloutRules.judge(null, window("challenger", 1000, 0, 50_000), null, settings).rollback());
        RolloutRules.Verdict v = RolloutRules.judge(null, window("challenger", 1000, 50, 50), null, settings);
        assertTrue(v.rollback());
        assertTrue(v.reason().contains("too few decisions to compare"), v.reason());
    }

    @Test
    void aMarkedlySlowerChallengerIsRolledBack() {
        RolloutRules.Verdict v = RolloutRules.judge(window("champion", 1000, 0, 400), window("challenger", 500, 0, 1000), null, settings);
        assertTrue(v.rollback(), v.reason());
        assertEquals(RolloutRules.RULE_LATENCY, v.rule());
    }

    @Test
    void slowerByLessThanTheRatioOrTheMarginIsKept() {
        // 1.4x: under the ratio.
        assertFalse(RolloutRules.judge(window("champion", 1000, 0, 1000), window("challenger", 500, 0, 1400), null, settings).rollback());
        // 4x, but 12 us against 3 us: microsecond jitter, under the margin.
        assertFalse(RolloutRules.judge(window("champion", 1000, 0, 3), window("challenger", 500, 0, 12), null, settings).rollback());
    }

    @Test
    void aDriftingGuaranteeRollsBackWithoutWaitingForDecisions() {
        VariantStats drift = VariantStats.guarantee("1.1.0", 0.3, true, "violation rate 0.300 over the last 60 outcomes", 1);
        RolloutRules.Verdict v = RolloutRules.judge(window("champion", 1000, 0, 50), window("challenger", 20, 0, 50), drift, settings);
        assertTrue(v.rollback());
        assertEquals(RolloutRules.RULE_GUARANTEE, v.rule());
        assertTrue(v.reason().contains("0.300"), v.reason());
        VariantStats fine = VariantStats.guarantee("1.1.0", 0.05, false, "fine", 1);
        assertFalse(RolloutRules.judge(window("champion", 1000, 0, 50), window("challenger", 300, 0, 50), fine, settings).rollback());
    }

    @Test
    void noChallengerNothingToJudge() {
        RolloutRules.Verdict v = RolloutRules.judge(window("champion", 1000, 500, 50), null, null, settings);
        assertFalse(v.rollback());
        assertNull(v.rule());
    }

    @Test
    void reportsFromSeveralSubtasksAddUp() {
        RolloutRules.Window w = new RolloutRules.Window("challenger", "1.1.0");
        for (int subtask = 0; subtask < 4; subtask++) {
            VariantStats s = VariantStats.decisions("challenger", "1.1.0", true, subtask);
            for (int i = 0; i < 60; i++) s.record(i < 3, i < 3, i % 2 == 0, 100);
            s.atMs = 1000 + subtask;
            w.add(s);
        }
        assertEquals(240, w.decisions);
        assertEquals(12, w.scoringFailures);
        assertEquals(0.5, w.strongShare(), 1e-9);
        assertEquals(0.05, w.errorRate(), 1e-9);
        assertTrue(w.shadow);
        assertEquals(1003, w.lastAtMs);
        assertTrue(RolloutRules.judge(window("champion", 1000, 0, 100), w, null, settings).rollback());
    }

    @Test
    void settingsAreChecked() {
        RolloutRules.Settings s = new RolloutRules.Settings();
        s.reportIntervalMs = s.windowMs + 1;
        assertThrows(IllegalArgumentException.class, s::validate);
        RolloutRules.Settings ratio = new RolloutRules.Settings();
        ratio.errorRatio = 0.5;
        assertThrows(IllegalArgumentException.class, ratio::validate);
        new RolloutRules.Settings().validate();
    }

    @Test
    void latencyBucketsBoundTheirValuesWithinAFifth() {
        for (long us : new long[] {1, 2, 3, 5, 17, 100, 999, 4096, 123_456, 10_000_000}) {
            long upper = LatencyBuckets.upperBound(LatencyBuckets.index(us));
            assertTrue(upper >= us && upper <= us * 1.26 + 1, us + " -> " + upper);
        }
        assertEquals(LatencyBuckets.COUNT - 1, LatencyBuckets.index(Long.MAX_VALUE));
        long[] counts = new long[LatencyBuckets.COUNT];
        for (int i = 1; i <= 100; i++) counts[LatencyBuckets.index(i * 10L)]++;
        long p95 = LatencyBuckets.quantile(counts, 0.95);
        assertTrue(p95 >= 950 && p95 <= 1200, "p95 of 10..1000 us: " + p95);
        assertEquals(0, LatencyBuckets.quantile(new long[LatencyBuckets.COUNT], 0.95));
    }
}
