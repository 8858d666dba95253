package org.agentrouter.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agentrouter.runtime.RandomMemoryStore;
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
        vectors.addAll(RandomMemoryStore.write(db, rnd, NAMESPACES, perNamespace, "test"));
    }

    public synchronized AgentQuery query(String id) {
        return query(id, NAMESPACES.get(rnd.nextInt(NAMESPACES.size())));
    }

    public synchronized AgentQuery query(String id, String namespace) {
        float[] base = vectors.get(rnd.nextInt(vectors.size()));
        List<Float> embedding = new ArrayList<>(base.length);
        for (float x : base) embedding.add(x + (float) (rnd.nextGaussian() * 0.01));
        return AgentQuery.newBuilder().setQueryId(id).setNamespace(namespace)
                .setUserId("u1").setText("query " + id).setEmbedding(embedding)
                .setEventTimeMs(System.currentTimeMillis()).setContextK(5).build();
    }
}
