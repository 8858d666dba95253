package org.agentrouter.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agentrouter.runtime.HealthStatusReader;
import org.agentrouter.schema.HealthStatus;
import org.agentrouter.schema.RouterHealth;
import org.junit.jupiter.api.Test;

class HealthCommandTest {
    private static final long NOW = 1_000_000;

    private static RouterHealth status(int subtask, HealthStatus s, long atMs, String... reasons) {
        return RouterHealth.newBuilder().setStatus(s).setReasons(List.of(reasons)).setJobId("job-1").setSubtask(subtask)
                .setParallelism(2).setModelLoaded(true).setModelVersion("1.0.0").setStoreReachable(true)
                .setScorerBreaker("CLOSED").setRetrievalBreaker("CLOSED").setWindowMs(5000).setDecisions(12)
                .setFallbacks(0).setErrors(0).setLastDecisionAgeMs(300).setProbeLagMs(4).setIntervalMs(5000)
                .setAtMs(atMs).build();
    }

    private static HealthCommand.Assessment assess(Duration maxAge, RouterHealth... statuses) {
        Map<Integer, RouterHealth> by = new TreeMap<>();
        for (RouterHealth h : statuses) by.put(h.getSubtask(), h);
        return HealthCommand.assess(new HealthStatusReader.Snapshot("job-1", 2, by, 0), NOW, maxAge);
    }

    @Test
    void theWorstSubtaskDecidesTheExitCode() {
        assertEquals(0, assess(null, status(0, HealthStatus.HEALTHY, NOW - 1000), status(1, HealthStatus.HEALTHY, NOW - 2000)).exitCode());
        HealthCommand.Assessment degraded = assess(null, status(0, HealthStatus.HEALTHY, NOW - 1000),
                status(1, HealthStatus.DEGRADED, NOW - 1000, "memory store unreachable"));
        assertEquals(1, degraded.exitCode());
        assertTrue(degraded.lines().get(0).startsWith("DEGRADED: job job-1"));
        assertTrue(degraded.lines().contains("    - memory store unreachable"), degraded.lines().toString());
        assertEquals(2, assess(null, status(0, HealthStatus.UNHEALTHY, NOW - 1000, "no model loaded"),
                status(1, HealthStatus.HEALTHY, NOW - 1000)).exitCode());
    }

    @Test
    void aStaleOrMissingSubtaskIsCritical() {
        // 3 intervals of 5 s is the default limit
        HealthCommand.Assessment stale = assess(null, status(0, HealthStatus.HEALTHY, NOW - 16_000), status(1, HealthStatus.HEALTHY, NOW));
        assertEquals(2, stale.exitCode());
        assertTrue(stale.lines().get(1).contains("STALE"), stale.lines().toString());
        assertEquals(0, assess(Duration.ofSeconds(20), status(0, HealthStatus.HEALTHY, NOW - 16_000), status(1, HealthStatus.HEALTHY, NOW)).exitCode());
        HealthCommand.Assessment missing = assess(null, status(0, HealthStatus.HEALTHY, NOW));
        assertEquals(2, missing.exitCode());
        assertTrue(missing.lines().get(2).contains("MISSING"), missing.lines().toString());
    }

    @Test
    void noStatusAtAllIsCritical() {
        HealthCommand.Assessment none = HealthCommand.assess(new HealthStatusReader.Snapshot(null, 0, Map.of(), 0), NOW, null);
        assertEquals(2, none.exitCode());
        assertTrue(none.lines().get(0).startsWith("UNHEALTHY: no status on router-health"));
    }
}
