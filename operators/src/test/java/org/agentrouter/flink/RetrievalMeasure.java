package org.agentrouter.flink;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.query.QueryContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * Not a test: {@code java -cp ... org.agentrouter.flink.RetrievalMeasure N [QUERIES [SCAN_THREADS]]} puts N random memories
 * into one namespace of the retrieval operator (real keyed state, heap backend), measures retrieval (int8
 * scan + rescoring + feature assembly, no I/O) per query, then snapshots, restores into a new operator and
 * measures the first query, which rebuilds the namespace's index from the restored state.
 */
public final class RetrievalMeasure {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        int queries = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        int scanThreads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Random rnd = new Random(1);
        RouterConfig c = new RouterConfig();
        c.recentQueryTtlMs = 0; // measure retrieval only
        c.retrievalScanThreads = scanThreads;
        OperatorSubtaskState snapshot;
        try (var h = harness(c)) {
            h.open();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                MemoryRecord m = new MemoryRecord();
                m.id = "m" + i;
                m.namespace = "ns";
                m.kind = "episode";
                m.text = "memory " + i;
                m.createdAtMs = 1_000_000L + i;
                m.useCount = i % 7;
                m.confidence = 0.9f;
                m.cheapOutcome = 1f;
                m.strongOutcome = 1f;
                m.tags = new String[] {"t" + (i % 5)};
                m.embedding = unit(rnd);
                m.updatedAtMs = 1;
                h.processElement2(MemoryEvent.upsert(m), 0);
            }
            System.out.printf("memories %d: loaded through the operator in %d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
            long[] us = new long[queries];
            // Also this thread's CPU time per query: on a shared, loaded machine wall time counts the waits
            // for a core, CPU time does not (it still counts memory stalls).
            long[] cpuUs = new long[queries];
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int w = 0; w < 200; w++) h.processElement1(query(rnd, "w" + w), 0); // warm-up
            h.getOutput().clear();
            for (int q = 0; q < queries; q++) {
                QueryContext qc = query(rnd, "q" + q);
                long cpu0 = threads.getCurrentThreadCpuTime();
                long s = System.nanoTime();
                h.processElement1(qc, 0);
                us[q] = (System.nanoTime() - s) / 1_000;
                cpuUs[q] = (threads.getCurrentThreadCpuTime() - cpu0) / 1_000;
            }
            Arrays.sort(us);
            Arrays.sort(cpuUs);
            System.out.printf("scan threads %d%n", scanThreads);
            System.out.printf("memories %d, k 100: retrieval p50 %d us, p95 %d us, p99 %d us (%d queries)%n", n,
                    us[queries / 2], us[queries * 95 / 100], us[queries * 99 / 100], queries);
            System.out.printf("memories %d, k 100: retrieval thread CPU time p50 %d us, p95 %d us, p99 %d us%n", n,
                    cpuUs[queries / 2], cpuUs[queries * 95 / 100], cpuUs[queries * 99 / 100]);
            long s = System.nanoTime();
            snapshot = h.snapshot(1, 1);
            System.out.printf("memories %d: snapshot in %d ms%n", n, (System.nanoTime() - s) / 1_000_000);
        }
        try (var h = harness(c)) {
            long s = System.nanoTime();
            h.initializeState(snapshot);
            h.open();
            long restored = System.nanoTime();
            h.processElement1(query(rnd, "first"), 0);
            long first = System.nanoTime();
            System.out.printf("memories %d: state restored in %d ms, first query (index rebuilt from state) %d ms%n", n,
                    (restored - s) / 1_000_000, (first - restored) / 1_000_000);
        }
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> harness(
            RouterConfig c) throws Exception {
        var h = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new MemoryRetriever(c)),
                (QueryContext q) -> q.namespace, (MemoryEvent e) -> e.namespace, Types.STRING);
        // As in the job: checkpoints to files (the harness default keeps them in memory, capped at 5 MB).
        h.setCheckpointStorage(new org.apache.flink.runtime.state.storage.FileSystemCheckpointStorage(
                java.nio.file.Files.createTempDirectory("retrieval-measure").toUri()));
        return h;
    }

    private static QueryContext query(Random rnd, String id) {
        QueryContext q = new QueryContext();
        q.queryId = id;
        q.namespace = "ns";
        q.text = "question";
        q.tags = new String[] {"t1"};
        q.embedding = unit(rnd);
        q.eventTimeMs = 2_000_000L;
        return q;
    }

    private static float[] unit(Random rnd) {
        float[] v = new float[FeatureLayout.EMBEDDING_DIM];
        double norm = 0;
        for (int d = 0; d < v.length; d++) {
            v[d] = (float) rnd.nextGaussian();
            norm += v[d] * v[d];
        }
        for (int d = 0; d < v.length; d++) v[d] /= (float) Math.sqrt(norm);
        return v;
    }
}
