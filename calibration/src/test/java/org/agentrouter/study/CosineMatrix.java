package org.agentrouter.study;

import java.util.stream.IntStream;

/**
 * All pairwise cosine similarities of the prompts (n x n float32, 570 MB for MMLU). Computed once,
 * because every protocol and fold needs the neighbours of every prompt under a different memory, and
 * a scan of a precomputed row is far cheaper than recomputing 12k dot products.
 */
final class CosineMatrix {
    private final float[][] sim;

    private CosineMatrix(float[][] sim) {
        this.sim = sim;
    }

    /** @param unitVectors L2-normalised vectors, so the dot product is the cosine */
    static CosineMatrix of(float[][] unitVectors) {
        int n = unitVectors.length;
        float[][] sim = new float[n][n];
        // Upper triangle only, mirrored; work stealing evens out the shrinking rows.
        IntStream.range(0, n).parallel().forEach(i -> {
            float[] a = unitVectors[i];
            sim[i][i] = dot(a, a);
            for (int j = i + 1; j < n; j++) {
                float s = dot(a, unitVectors[j]);
                sim[i][j] = s;
                sim[j][i] = s;
            }
        });
        return new CosineMatrix(sim);
    }

    /** Four partial sums: lets the JIT pipeline the multiply-adds that a single sum would serialise. */
    private static float dot(float[] a, float[] b) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int d = 0;
        for (; d + 3 < a.length; d += 4) {
            s0 += a[d] * b[d];
            s1 += a[d + 1] * b[d + 1];
            s2 += a[d + 2] * b[d + 2];
            s3 += a[d + 3] * b[d + 3];
        }
        for (; d < a.length; d++) {
            s0 += a[d] * b[d];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** The similarities of row {@code i} to every row; do not modify. */
    float[] row(int i) {
        return sim[i];
    }

    int size() {
        return sim.length;
    }
}
