package org.agentrouter.runtime;

import org.agentrouter.job.MemoryPublisher;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.store.MemoryStore;

/**
 * Memory stores of random unit vectors for tests and benchmarks that do not need meaningful text: the
 * embedded stack, the pipeline benchmark, the cluster test. Real SQLite + sqlite-vec files, one hour of
 * age between consecutive memories, a third of them with a failed cheap outcome.
 */
public final class RandomMemoryStore {
    private RandomMemoryStore() {}

    /** Writes {@code perNamespace} memories in each namespace; returns their vectors in write order. */
    public static List<float[]> write(Path db, Random rnd, List<String> namespaces, int perNamespace, String source) {
        List<MemoryRecord> records = records(rnd, namespaces, perNamespace, source);
        try (MemoryStore store = MemoryStore.openWritable(db)) {
            store.upsert(records);
        }
        return records.stream().map(r -> r.embedding).toList();
    }

    /** Publishes the same memories to agent-memories (the job's memory path); returns their vectors in order. */
    public static List<float[]> publish(String bootstrap, Random rnd, List<String> namespaces, int perNamespace, String source) {
        List<MemoryRecord> records = records(rnd, namespaces, perNamespace, source);
        MemoryPublisher.publishAll(bootstrap, records);
        return records.stream().map(r -> r.embedding).toList();
    }

    /** The memories {@link #write} and {@link #publish} write: ids {@code <namespace>-mem-<i>}. */
    public static List<MemoryRecord> records(Random rnd, List<String> namespaces, int perNamespace, String source) {
        List<MemoryRecord> records = new ArrayList<>(namespaces.size() * perNamespace);
        long now = System.currentTimeMillis();
        for (String ns : namespaces) {
            for (int i = 0; i < perNamespace; i++) {
                MemoryRecord m = new MemoryRecord();
                m.id = ns + "-mem-" + i;
                m.namespace = ns;
                m.kind = MemoryRecord.EPISODE;
                m.text = "memory " + i;
                m.createdAtMs = now - i * 3_600_000L;
                m.useCount = i % 7;
                m.confidence = 0.9f;
                m.cheapOutcome = i % 3 == 0 ? 0f : 1f;
                m.strongOutcome = 1f;
                m.sourceId = source;
                m.embedding = unitVector(rnd);
                records.add(m);
            }
        }
        return records;
    }

    /** A random L2-normalised vector in the job's embedding space size. */
    public static float[] unitVector(Random rnd) {
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
