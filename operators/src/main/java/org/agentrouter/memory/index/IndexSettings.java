package org.agentrouter.memory.index;

import org.agentrouter.memory.kernels.Int2Dot;
import org.agentrouter.memory.kernels.Int4Dot;
import org.agentrouter.memory.kernels.Int8Dot;

/**
 * How an index scans: the shortlist factor, the first pass, the scan threads and the coarse factor ({@code
 * coarseFactor} 0 scans every row's 4-bit codes; the int8 pass takes only 0), and optionally the kernels (null:
 * the best this machine runs).
 */
public record IndexSettings(int shortlistFactor, LiveMemoryIndex.FirstPass firstPass, int scanThreads, int coarseFactor,
                       Int8Dot int8Kernel, Int4Dot int4Kernel, Int2Dot int2Kernel) {
    /** The 4-bit first pass with the job's coarse pass, one scan thread. */
    public static IndexSettings of(int shortlistFactor) {
        return new IndexSettings(shortlistFactor, LiveMemoryIndex.FirstPass.INT4, 1, LiveMemoryIndex.DEFAULT_COARSE_FACTOR, null, null, null);
    }

    /** The int8 pass has no coarse pass; the 4-bit one gets the job's. */
    public IndexSettings firstPass(LiveMemoryIndex.FirstPass pass) {
        return new IndexSettings(shortlistFactor, pass, scanThreads, pass == LiveMemoryIndex.FirstPass.INT4 ? LiveMemoryIndex.DEFAULT_COARSE_FACTOR : 0,
                int8Kernel, int4Kernel, int2Kernel);
    }

    public IndexSettings scanThreads(int threads) {
        return new IndexSettings(shortlistFactor, firstPass, threads, coarseFactor, int8Kernel, int4Kernel, int2Kernel);
    }

    public IndexSettings coarseFactor(int factor) {
        return new IndexSettings(shortlistFactor, firstPass, scanThreads, factor, int8Kernel, int4Kernel, int2Kernel);
    }

    /** The int8 first pass on this kernel. */
    public IndexSettings kernel(Int8Dot kernel) {
        return new IndexSettings(shortlistFactor, LiveMemoryIndex.FirstPass.INT8, scanThreads, 0, kernel, null, null);
    }

    /** The 4-bit first pass on this kernel, without the coarse pass. */
    public IndexSettings kernel(Int4Dot kernel) {
        return new IndexSettings(shortlistFactor, LiveMemoryIndex.FirstPass.INT4, scanThreads, 0, null, kernel, null);
    }

    /** The coarse pass on {@code kernel2}, then the 4-bit pass on {@code kernel4}. */
    public IndexSettings kernels(Int4Dot kernel4, Int2Dot kernel2) {
        return new IndexSettings(shortlistFactor, LiveMemoryIndex.FirstPass.INT4, scanThreads, coarseFactor, null, kernel4, kernel2);
    }
}
