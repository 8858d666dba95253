package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

class HealthProbeKeysTest {
    @Test
    void thereIsAProbeKeyForEverySubtaskAndKeyByRoutesItThere() {
        for (int maxParallelism : new int[] {128, 256, 32768}) {
            for (int parallelism = 1; parallelism <= 16; parallelism++) {
                String[] keys = QueryDecoder.probeKeys(parallelism, maxParallelism);
                assertEquals(parallelism, keys.length);
                for (int i = 0; i < parallelism; i++) {
                    assertEquals(i, KeyGroupRangeAssignment.assignKeyToParallelOperator(keys[i], maxParallelism, parallelism),
                            keys[i] + " at parallelism " + parallelism + "/" + maxParallelism);
                }
            }
        }
    }
}
