package org.agentrouter.memory;

import java.util.Random;
import org.agentrouter.wire.Embeddings;

/** Random unit vectors and memories for the tests of the memory's rooms (kernels, index, store). */
public final class TestMemories {
    private TestMemories() {}

    public static float[] randomUnit(Random rnd) {
        float[] v = new float[Embeddings.DIM];
        double norm = 0;
        for (int i = 0; i < Embeddings.DIM; i++) {
            v[i] = (float) rnd.nextGaussian();
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < Embeddings.DIM; i++) {
            v[i] *= inv;
        }
        return v;
    }

    public static MemoryRecord record(String id, String namespace, float[] embedding) {
        MemoryRecord r = new MemoryRecord();
        r.id = id;
        r.namespace = namespace;
        r.kind = "episode";
        r.text = "memory " + id;
        r.createdAtMs = 1_000L + id.hashCode() % 1000;
        r.embedding = embedding;
        return r;
    }
}
