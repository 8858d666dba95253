package org.agentrouter.memory.index;

import org.agentrouter.memory.kernels.Int2Dot;
import org.agentrouter.memory.kernels.Int4Dot;
import org.agentrouter.memory.kernels.Int8Codes;
import org.agentrouter.memory.kernels.Int8Dot;
import org.agentrouter.wire.Embeddings;

/**
 * A query's scans of a range of rows with the index's kernels: the first pass (4-bit or int8 codes into a
 * shortlist) and the coarse 2-bit pass. Holds the query's codes, set by the calling thread before a scan and
 * only read during it, so ranges can run on several threads ({@link SplitScan}).
 */
final class RowScan {
    private static final int DIM = Embeddings.DIM;

    /** The codes a full scan reads. */
    enum Pass { INT8, INT4, INT2 }

    /** Exactly one of the two first-pass kernels is set; the coarse kernel only with the coarse pass. */
    final Int8Dot kernel;
    final Int4Dot kernel4;
    final Int2Dot kernel2;
    final int[] queryCodes = new int[DIM];
    final short[] queryShorts = new short[DIM];
    private final byte[] queryBytes = new byte[DIM];
    private final float[] queryScale = new float[1];

    RowScan(Int8Dot kernel, Int4Dot kernel4, Int2Dot kernel2) {
        this.kernel = kernel;
        this.kernel4 = kernel4;
        this.kernel2 = kernel2;
    }

    /** The query's int8 codes, as ints and shorts (the kernels' loops take either). */
    void setQuery(float[] query) {
        Int8Codes.quantize(query, queryBytes, 0, DIM, queryScale, 0);
        for (int i = 0; i < DIM; i++) {
            queryCodes[i] = queryBytes[i];
            queryShorts[i] = queryBytes[i];
        }
    }

    /**
     * One kernel call per block of rows (its loop takes the query as shorts); rows are offered in the same order
     * with the same exact scores as one by one, so the shortlist is the same. Reads only shared state that no
     * other thread writes during a scan (codes, scales, the query), so ranges can run on several threads.
     */
    void scanRows(Pass pass, byte[] codes, float[] scale, int from, int to, ShortlistHeap into,
                          int[] dots) {
        float floor = into.floor();
        int block = Math.min(dots.length, pass == Pass.INT4 ? kernel4.rowsPerCall() : dots.length);
        for (int b = from; b < to; b += block) {
            int e = Math.min(to, b + block);
            if (pass == Pass.INT4) {
                kernel4.dotRows(codes, b, e, queryShorts, DIM, dots);
            } else {
                kernel.dotRows(codes, b, e, queryShorts, DIM, dots);
            }
            // Most rows score below the shortlist once it is full: one compare each, no call (same rows kept).
            for (int row = b; row < e; row++) {
                float score = dots[row - b] * scale[row];
                if (score > floor) {
                    into.offer(score, row);
                    floor = into.floor();
                }
            }
        }
    }

    /**
     * The 2-bit dots of rows [from, to): into {@code all[row - allFrom]} when {@code all} is given, and the rows
     * whose dot reaches {@code threshold} into {@code passing} when it is given.
     */
    void coarseDots(byte[] codes, int from, int to, int[] dots, int[] all, int allFrom, int threshold,
                            PassingRows passing) {
        int block = Math.min(dots.length, kernel2.rowsPerCall());
        for (int b = from; b < to; b += block) {
            int e = Math.min(to, b + block);
            kernel2.dotRows(codes, b, e, queryShorts, DIM, dots);
            if (all != null) System.arraycopy(dots, 0, all, b - allFrom, e - b);
            if (passing != null) {
                for (int i = 0; i < e - b; i++) {
                    if (dots[i] >= threshold) passing.add(b + i, dots[i]);
                }
            }
        }
    }
}
