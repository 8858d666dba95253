package org.agentrouter.memory;

/**
 * Vectors the store accepts: the model's dimension, finite, and a norm in [{@link #MIN_NORM}, {@link #MAX_NORM}]:
 * cosine needs a direction, and the index computes norms and scales in float, where a vector of tiny values
 * squares to zero (a division by zero) and one of huge values overflows.
 */
public final class VectorChecks {
    public static final double MIN_NORM = 1e-6;
    public static final double MAX_NORM = 1e6;

    private VectorChecks() {}

    public static void requireValid(float[] v, String what) {
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
        double norm = Math.sqrt(norm2);
        if (norm < MIN_NORM || norm > MAX_NORM) {
            throw new IllegalArgumentException(what + " has norm " + norm + ", outside [" + MIN_NORM + ", " + MAX_NORM
                    + "]: too small or too large to compare in float");
        }
    }
}
