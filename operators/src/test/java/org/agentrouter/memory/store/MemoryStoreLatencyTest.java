package org.agentrouter.memory.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.RetrievalFilter;
/**
 * A measurement, not a check: skipped unless -Drouter.bench=true, e.g.
 * {@code mvn -o -B -q -pl operators -am test -Dtest=MemoryStoreLatencyTest -Drouter.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}; the numbers go to operators/target/surefire-reports/*-output.txt.
 */
@Tag("benchmark")
@EnabledIfSystemProperty(named = "router.bench", matches = "true")
class MemoryStoreLatencyTest {
    private static final int MEMORIES = 10_000;
    private static final int K = 100;
    private static final int WARMUP = 100;
    private static final int QUERIES = 500;

    @Test
    void topK100Over10kMemoriesInOneNamespace(@TempDir Path dir) {
        Random rnd = new Random(1);
        try (MemoryStore store = MemoryStore.openWritable(dir.resolve("bench.db"))) {
            List<MemoryRecord> batch = new ArrayList<>();
            for (int i = 0; i < MEMORIES; i++) {
                MemoryRecord r = MemoryStoreTest.record("m" + i, "ns", MemoryStoreTest.randomUnit(rnd));
                r.kind = MemoryKinds.ALL.get(i % 3);
                r.confidence = rnd.nextFloat();
                r.tags = new String[] {"t" + (i % 10)};
                batch.add(r);
            }
            long t0 = System.nanoTime();
            for (int from = 0; from < MEMORIES; from += 1_000) {
                store.upsert(batch.subList(from, from + 1_000));
            }
            double insertS = (System.nanoTime() - t0) / 1e9;
            System.out.printf("upsert: %d memories in %.2f s (%.0f rows/s)%n", MEMORIES, insertS, MEMORIES / insertS);

            CandidateSet out = new CandidateSet(K);
            measure(store, rnd, out, "no filter", RetrievalFilter.NONE);
            measure(store, rnd, out, "kind=skill", RetrievalFilter.ofKind("skill"));
            measure(store, rnd, out, "minConfidence=0.5", RetrievalFilter.NONE.withMinConfidence(0.5f));
            measure(store, rnd, out, "tag=t3 (1 in 10)", RetrievalFilter.NONE.withTag("t3"));
        }
    }

    private static void measure(MemoryStore store, Random rnd, CandidateSet out, String label, RetrievalFilter filter) {
        float[][] queries = new float[WARMUP + QUERIES][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = MemoryStoreTest.randomUnit(rnd);
        }
        long[] nanos = new long[QUERIES];
        for (int i = 0; i < queries.length; i++) {
            long t = System.nanoTime();
            int n = store.topK("ns", queries[i], K, filter, out);
            long dt = System.nanoTime() - t;
            assertEquals(K, n);
            if (i >= WARMUP) {
                nanos[i - WARMUP] = dt;
            }
        }
        Arrays.sort(nanos);
        System.out.printf("topK(k=%d) over %d memories, %-18s p50 %.2f ms  p90 %.2f ms  p99 %.2f ms%n", K, MEMORIES,
                label + ":", ms(nanos, 0.50), ms(nanos, 0.90), ms(nanos, 0.99));
    }

    private static double ms(long[] sorted, double q) {
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1e6;
    }
}
