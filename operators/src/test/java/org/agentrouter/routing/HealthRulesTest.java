package org.agentrouter.routing;

import org.agentrouter.query.HealthProbe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agentrouter.schema.HealthStatus;
import org.junit.jupiter.api.Test;

class HealthRulesTest {
    private static HealthProbe good() {
        HealthProbe p = new HealthProbe(0);
        p.modelLoaded = true;
        p.modelVersion = "1.0.0";
        p.storeReachable = true;
        p.scorerBreaker = "CLOSED";
        p.retrievalBreaker = "CLOSED";
        return p;
    }

    @Test
    void allInOrderIsHealthyWithNoReasons() {
        HealthRules.Verdict v = HealthRules.judge(good(), 100, 2, 1, 50, 5000);
        assertEquals(HealthStatus.HEALTHY, v.status());
        assertEquals(List.of(), v.reasons());
    }

    @Test
    void noModelOrAnOpenScorerCircuitIsUnhealthy() {
        HealthProbe p = good();
        p.modelLoaded = false;
        HealthRules.Verdict v = HealthRules.judge(p, 0, 0, 0, 10, 5000);
        assertEquals(HealthStatus.UNHEALTHY, v.status());
        assertTrue(v.reasons().get(0).startsWith("no model loaded"));
        p = good();
        p.scorerBreaker = "OPEN";
        assertEquals(HealthStatus.UNHEALTHY, HealthRules.judge(p, 0, 0, 0, 10, 5000).status());
    }

    @Test
    void lessToGoOnIsDegradedAndSaysWhy() {
        HealthProbe p = good();
        p.storeReachable = false;
        p.storeProblem = "memory store unavailable: no such file";
        HealthRules.Verdict v = HealthRules.judge(p, 0, 0, 0, 10, 5000);
        assertEquals(HealthStatus.DEGRADED, v.status());
        assertTrue(v.reasons().get(0).contains("no such file"), v.reasons().toString());

        p = good();
        p.retrievalBreaker = "HALF_OPEN";
        assertEquals(List.of("retrieval circuit half-open"), HealthRules.judge(p, 0, 0, 0, 10, 5000).reasons());

        assertEquals(List.of("fallback rate 20% (4 of 20 decisions)"), HealthRules.judge(good(), 20, 4, 0, 10, 5000).reasons());
        assertEquals(List.of("error rate 10% (2 of 20 decisions)"), HealthRules.judge(good(), 20, 0, 2, 10, 5000).reasons());
        HealthRules.Verdict lag = HealthRules.judge(good(), 0, 0, 0, 12_500, 5000);
        assertEquals(HealthStatus.DEGRADED, lag.status());
        assertEquals(List.of("pipeline lag: the probe took 12.5 s to pass every stage"), lag.reasons());
    }

    @Test
    void mostDecisionsFailingIsUnhealthyButRatesNeedEnoughDecisions() {
        assertEquals(HealthStatus.UNHEALTHY, HealthRules.judge(good(), 20, 10, 10, 10, 5000).status());
        // 5 of 9 failed: below MIN_DECISIONS, no verdict from rates
        assertEquals(HealthStatus.HEALTHY, HealthRules.judge(good(), 9, 5, 5, 10, 5000).status());
    }

    @Test
    void unhealthyReasonsComeBeforeDegradedOnes() {
        HealthProbe p = good();
        p.storeReachable = false;
        p.modelLoaded = false;
        HealthRules.Verdict v = HealthRules.judge(p, 0, 0, 0, 10, 5000);
        assertEquals(HealthStatus.UNHEALTHY, v.status());
        assertEquals(2, v.reasons().size());
        assertTrue(v.reasons().get(0).startsWith("no model loaded"));
    }
}
