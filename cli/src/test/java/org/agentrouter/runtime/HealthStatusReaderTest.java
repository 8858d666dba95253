package org.agentrouter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.agentrouter.schema.HealthStatus;
import org.agentrouter.schema.RouterHealth;
import org.junit.jupiter.api.Test;

class HealthStatusReaderTest {
    private static RouterHealth h(String job, int subtask, int parallelism, long at) {
        return RouterHealth.newBuilder().setStatus(HealthStatus.HEALTHY).setReasons(List.of()).setJobId(job).setSubtask(subtask)
                .setParallelism(parallelism).setModelLoaded(true).setModelVersion("1.0.0").setStoreReachable(true)
                .setScorerBreaker("CLOSED").setRetrievalBreaker("CLOSED").setWindowMs(1).setDecisions(0).setFallbacks(0)
                .setErrors(0).setLastDecisionAgeMs(-1).setProbeLagMs(1).setIntervalMs(5000).setAtMs(at).build();
    }

    @Test
    void keepsTheLatestStatusPerSubtaskOfTheNewestJobOnly() {
        // an older job at parallelism 3, then the current one at parallelism 2
        var s = HealthStatusReader.latestOfNewestJob(List.of(h("old", 0, 3, 10), h("old", 2, 3, 11), h("new", 0, 2, 20),
                h("new", 1, 2, 21), h("new", 0, 2, 30), h("new", 1, 2, 25)), 1);
        assertEquals("new", s.jobId());
        assertEquals(2, s.parallelism());
        assertEquals(List.of(0, 1), List.copyOf(s.bySubtask().keySet()));
        assertEquals(30, s.bySubtask().get(0).getAtMs());
        assertEquals(25, s.bySubtask().get(1).getAtMs());
        assertEquals(1, s.undecodable());
    }
}
