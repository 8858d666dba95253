package org.agentrouter.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.MemoryStore;
import org.agentrouter.schema.AgentQuery;

/**
 * A memory store of random unit vectors in a few namespaces, and queries that carry an embedding near one of
 * them: the job skips MiniLM, so the test measures recovery, not embedding cost.
 */
public final class TestStore {
    public static final List<String> NAMESPACES = List.of("ns-a", "ns-b", "ns-c", "ns-d");

    private final List<float[]> vectors = new ArrayList<>();
    private final Random rnd = new Random(7);

    public void write(Path db, int perNamespace) {
        List<MemoryRecord> records = new ArrayList<>();
        for (String ns : NAMESPACES) {
            for (int i = 0; i < perNamespace; i++) {
                MemoryRecord m = new MemoryRecord();
                m.id = ns + "-mem-" + i;
                m.namespace = ns;
                m.kind = MemoryRecord.EPISODE;
                m.text = "memory " + i;
                m.createdAtMs = System.currentTimeMillis() - i * 3_600_000L;
                m.useCount = i % 7;
                m.confidence = 0.9f;
                m.cheapOutcome = i % 3 == 0 ? 0f : 1f;
                m.strongOutcome = 1f;
                m.sourceId = "test";
                m.embedding = unitVector();
                records.add(m);
                vectors.add(m.embedding);
            }
        }
        try (MemoryStore store = MemoryStore.openWritable(db)) {
            store.upsert(records);
        }
    }

    public synchronized AgentQuery query(String id) {
        float[] base = vectors.get(rnd.nextInt(vectors.size()));
        List<Float> embedding = new ArrayList<>(base.length);
        for (float x : base) embedding.add(x + (float) (rnd.nextGaussian() * 0.01));
        return AgentQuery.newBuilder().setQueryId(id).setNamespace(NAMESPACES.get(rnd.nextInt(NAMESPACES.size())))
                .setUserId("u1").setText("query " + id).setEmbedding(embedding)
                .setEventTimeMs(System.currentTimeMillis()).setContextK(5).build();
    }

    private float[] unitVector() {
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
