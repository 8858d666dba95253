package org.agentrouter.memory;

/** Vectors the store accepts: the model's dimension, finite, and not all zero (cosine needs a direction). */
final class VectorChecks {
    private VectorChecks() {}

    static void requireValid(float[] v, String what) {
        if (v == null) {
            throw new IllegalArgumentException(what + " is null");
        }
        if (v.length != MemorySchema.DIM) {
            throw new IllegalArgumentException(what + " has " + v.length + " dimensions, expected " + MemorySchema.DIM);
        }
        double norm2 = 0;
        for (int i = 0; i < v.length; i++) {
            float x = v[i];
            if (!Float.isFinite(x)) {
                throw new IllegalArgumentException(what + " has a non-finite value " + x + " at index " + i);
            }
            norm2 += (double) x * x;
        }
        if (norm2 == 0) {
            throw new IllegalArgumentException(what + " is all zeros; cosine similarity is undefined for it");
        }
    }
}
