package org.agentrouter.training;

import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.agentrouter.calibration.OfflineScoring;

/**
 * Exact cosine neighbours among a fixed set of prompts, from one in-memory similarity matrix: training
 * needs the candidates of every prompt under many memories (each fold, each training prompt without
 * itself or its subject), which a store query per prompt and memory would make minutes per fold.
 * The ranking is the one the job's exact scan gives (similarity, best first); a memory at least
 * {@link OfflineScoring#SELF_MATCH} similar is the prompt itself (or its duplicate) and is skipped, as
 * offline scoring skips it.
 */
public final class NeighbourIndex {
    private final float[][] similarity;

    /** @param vectors one per prompt; normalised here, so any scale is fine */
    public NeighbourIndex(float[][] vectors) {
        int n = vectors.length;
        float[][] unit = new float[n][];
        for (int i = 0; i < n; i++) {
            double norm = 0;
            for (float v : vectors[i]) norm += v * v;
            float scale = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 0f;
            unit[i] = new float[vectors[i].length];
            for (int d = 0; d < unit[i].length; d++) unit[i][d] = vectors[i][d] * scale;
        }
        similarity = new float[n][n];
        IntStream.range(0, n).parallel().forEach(i -> {
            float[] a = unit[i];
            for (int j = i; j < n; j++) {
                float[] b = unit[j];
                float dot = 0f;
                for (int d = 0; d < a.length; d++) dot += a[d] * b[d];
                similarity[i][j] = dot;
            }
        });
        // Mirror the upper triangle so that sim(i, j) is bit-identical to sim(j, i).
        for (int i = 0; i < n; i++) for (int j = 0; j < i; j++) similarity[i][j] = similarity[j][i];
    }

    public int size() {
        return similarity.length;
    }

    public record Neighbours(int[] rows, float[] similarities) {}

    /**
     * The {@code k} most similar visible prompts to {@code query}, best first; ties go to the lower index
     * so the result does not depend on scan order.
     */
    public Neighbours nearest(int query, int k, IntPredicate visible) {
        float[] row = similarity[query];
        int[] rows = new int[k];
        float[] sims = new float[k];
        int size = 0;
        for (int j = 0; j < row.length; j++) {
            float s = row[j];
            if (j == query || s >= OfflineScoring.SELF_MATCH) continue;
            if (size == k && s <= sims[k - 1]) continue;
            if (!visible.test(j)) continue;
            int at = size < k ? size++ : k - 1;
            while (at > 0 && sims[at - 1] < s) {
                rows[at] = rows[at - 1];
                sims[at] = sims[at - 1];
                at--;
            }
            rows[at] = j;
            sims[at] = s;
        }
        return new Neighbours(java.util.Arrays.copyOf(rows, size), java.util.Arrays.copyOf(sims, size));
    }
}
