package org.agentrouter.replay;

import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * The shared prior of a namespace without outcomes: the share of a query's k nearest public outcomes (exact
 * cosine over unit MiniLM vectors) that needed the strong model (strong right, weak wrong). On the unseen-subject
 * protocol it ranks like the shipped seed model on the same neighbours (BENCHMARKS.md, kNN gain vote), and it is
 * on the scale of a needs-strong rate, which the learner blends it with.
 */
public final class PriorScores {
    private final float[][] memory;
    private final boolean[] needsStrong;
    private final int k;

    /** @param memory unit vectors of the public outcomes; @param needsStrong their labels */
    public PriorScores(float[][] memory, boolean[] needsStrong, int k) {
        this.memory = memory;
        this.needsStrong = needsStrong;
        this.k = k;
    }

    /**
     * @param queries unit vectors
     * @param visible which memory rows a query may see (never the query itself: pass a filter)
     * @param selfOf per query, its own row in the memory (skipped), or -1
     */
    public double[] score(float[][] queries, IntPredicate visible, int[] selfOf) {
        double[] out = new double[queries.length];
        IntStream.range(0, queries.length).parallel().forEach(q -> out[q] = one(queries[q], visible, selfOf == null ? -1 : selfOf[q]));
        return out;
    }

    private double one(float[] query, IntPredicate visible, int self) {
        float[] best = new float[k];
        int[] rows = new int[k];
        int size = 0;
        for (int j = 0; j < memory.length; j++) {
            if (j == self || !visible.test(j)) continue;
            float[] m = memory[j];
            float dot = 0f;
            for (int d = 0; d < m.length; d++) dot += query[d] * m[d];
            if (dot >= 0.9999f) continue; // the same question stored twice is not evidence about itself
            if (size == k && dot <= best[k - 1]) continue;
            int at = size < k ? size++ : k - 1;
            while (at > 0 && best[at - 1] < dot) {
                best[at] = best[at - 1];
                rows[at] = rows[at - 1];
                at--;
            }
            best[at] = dot;
            rows[at] = j;
        }
        if (size == 0) return 0.5;
        int ns = 0;
        for (int i = 0; i < size; i++) if (needsStrong[rows[i]]) ns++;
        return ns / (double) size;
    }

    public static float[][] unit(float[][] vectors) {
        float[][] out = new float[vectors.length][];
        for (int i = 0; i < vectors.length; i++) {
            double norm = 0;
            for (float v : vectors[i]) norm += v * v;
            float s = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0f;
            out[i] = new float[vectors[i].length];
            for (int d = 0; d < out[i].length; d++) out[i][d] = vectors[i][d] * s;
        }
        return out;
    }
}
