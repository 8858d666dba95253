package org.agentrouter.memory.index;

import java.util.Arrays;
import org.agentrouter.wire.Embeddings;

/**
 * The coarse pass of a large namespace: every row's 2-bit dot, and the best {@code coarse} rows of them scored on
 * their 4-bit codes into the shortlist. See {@link LiveMemoryIndex} for why, and BENCHMARKS.md ("2-bit coarse
 * pass") for the numbers behind the sample and the shortlist's length. One per index; not thread-safe.
 */
final class CoarsePass {
    private static final int DIM = Embeddings.DIM;
    /** Buckets of the coarse pass's selection: finer ones overshoot the coarse shortlist by fewer rows. */
    static final int COARSE_BUCKETS = 4096;
    /** Namespace size up to which the coarse shortlist is {@code coarseFactor * k} rows ({@link #coarseRows}). */
    static final int COARSE_SCALE_ROWS = 100_000;
    /** Rows whose 2-bit dots set the coarse pass's first threshold, at least ({@link #sampleSize}). */
    static final int SAMPLE_ROWS = 4096;
    /** Contiguous rows per block of the sample ({@link #sampleRow}). */
    static final int SAMPLE_BLOCK = 16;

    private final RowScan rows;
    /** The split scan's threads, or null with one thread. */
    private final SplitScan split;
    /** The 2-bit dots of the sample (of every row on its fallback), grown as needed. */
    private int[] coarseAll = new int[0];
    /** The sample's rows ({@link #sampleRow}). */
    private int[] sampleRows = new int[0];
    /** Values per bucket, counted from the largest down ({@link #atLeast}). */
    private final int[] histogram = new int[COARSE_BUCKETS];
    /** The rows that reach the coarse threshold, then the coarse shortlist and its 4-bit dots. */
    private final PassingRows passing = new PassingRows();
    private long fallbacks;

    CoarsePass(RowScan rows, SplitScan split) {
        this.rows = rows;
        this.split = split;
    }

    /** Passes whose sample set the threshold too high, so that a second pass counted every row. */
    long fallbacks() {
        return fallbacks;
    }

    /**
     * The 2-bit pass over every row, then the 4-bit scores of its best rows into {@code heap}. The best rows
     * are picked without a heap (one of 3,000 took ~13k inserts over 100k rows, 1.5 ms here): the dots of a
     * sample ({@link #SAMPLE_ROWS} rows or 1/128 of them, in blocks spread over the namespace) give a threshold
     * that ~1.5 {@code coarse} rows pass, the pass collects the rows that reach it while their dots are in L1,
     * and a histogram of the collected dots keeps the rows in the buckets that first reach {@code coarse}. So the
     * shortlist holds a few more than {@code coarse} rows (those of the last bucket), in row order. A sample
     * that set the threshold too high (fewer than {@code coarse} rows reach it) falls back to a second pass that
     * counts every row's dot. The same rows at any number of scan threads: the sample does not depend on them.
     */
    int run(byte[] coarseCodes, byte[] codes, float[] scale, int size, int coarse, ShortlistHeap heap, int[] blockDots) {
        int sample = sampleSize(size);
        if (coarseAll.length < sample) {
            coarseAll = new int[sample];
            sampleRows = new int[sample];
        }
        for (int i = 0; i < sample; i++) sampleRows[i] = sampleRow(i, sample, size);
        rows.kernel2.dotRowList(coarseCodes, sampleRows, sample, rows.queryShorts, DIM, coarseAll);
        int threshold = atLeast(coarseAll, sample, (int) Math.min(sample, (long) coarse * sample * 3 / (2L * size) + 8));
        PassingRows passing = this.passing;
        passing.clear();
        if (split != null && size >= LiveMemoryIndex.PARALLEL_MIN_ROWS) {
            split.coarse(coarseCodes, size, threshold, passing, blockDots);
        } else {
            rows.coarseDots(coarseCodes, 0, size, blockDots, null, 0, threshold, passing);
        }
        if (passing.n < coarse) {
            // The sample's threshold was too high: every row's dot, then the threshold that reaches coarse rows.
            fallbacks++;
            if (coarseAll.length < size) coarseAll = new int[size];
            rows.coarseDots(coarseCodes, 0, size, blockDots, coarseAll, 0, Integer.MAX_VALUE, null);
            threshold = atLeast(coarseAll, size, coarse);
            passing.clear();
            for (int r = 0; r < size; r++) {
                if (coarseAll[r] >= threshold) passing.add(r, coarseAll[r]);
            }
        }
        // Of those, the rows in the buckets that first reach the coarse shortlist (in row order).
        int[] passingRows = passing.rows;
        int[] dots = passing.dots;
        int finalThreshold = atLeast(dots, passing.n, coarse);
        int kept = 0;
        for (int i = 0; i < passing.n; i++) {
            if (dots[i] >= finalThreshold) passingRows[kept++] = passingRows[i];
        }
        rows.kernel4.dotRowList(codes, passingRows, kept, rows.queryShorts, DIM, dots);
        for (int i = 0; i < kept; i++) {
            heap.offer(dots[i] * scale[passingRows[i]], passingRows[i]);
        }
        return heap.size();
    }

    /**
     * The coarse shortlist's length: {@code coarseFactor * k} up to {@link #COARSE_SCALE_ROWS} rows, then growing
     * with the square root of the namespace's size. The larger the namespace, the further out in the tail of
     * the scores its top k lies, and the wider the margin the 2-bit score's error needs: at 1M random memories a
     * fixed 30 k kept recall@100 at 0.992, 60 k at 0.998 and 100 k at 0.9987, the 4-bit pass's own (BENCHMARKS.md).
     */
    static long coarseRows(int coarseFactor, int k, int size) {
        return (long) Math.ceil((double) coarseFactor * k * Math.max(1, Math.sqrt((double) size / COARSE_SCALE_ROWS)));
    }

    /**
     * Rows in the coarse pass's sample: enough that 120-190 of them reach the threshold (at 1M and 100k
     * memories), so the count collected varies by 7-9% and 1.5 times the coarse shortlist falls short (taking
     * the fallback) in fewer than one in a thousand queries on random rows. Few enough to cost ~0.2 ms at 100k
     * and ~0.5 ms at 1M (each block starts with a cache miss).
     */
    static int sampleSize(int size) {
        return Math.min(size, Math.max(SAMPLE_ROWS, size / 128));
    }

    /**
     * Sample row i of {@code sample}: blocks of {@link #SAMPLE_BLOCK} rows spread evenly over the namespace.
     * Spread, because rows arrive in the order their memories did, and a run of one topic (the first rows of an
     * import, say) sets a threshold that other queries' rows do not reach: with the first 4,096 rows as the
     * sample, 30% of queries on real embeddings stored subject by subject took the fallback (BENCHMARKS.md,
     * "2-bit coarse pass"). In blocks, because single rows far apart each miss the caches and the TLB: 0.45 ms
     * for 4,096 such rows at 100k memories, 2 ms for 15,625 at 1M.
     */
    static int sampleRow(int i, int sample, int size) {
        if (sample >= size) return i;
        int blocks = (sample + SAMPLE_BLOCK - 1) / SAMPLE_BLOCK;
        long start = (long) (i / SAMPLE_BLOCK) * size / blocks;
        return (int) Math.min(size - 1, start + i % SAMPLE_BLOCK);
    }

    /**
     * The largest bucket bound t such that at least {@code want} of {@code values[0, n)} are {@code >= t}
     * (1 <= want <= n): the values are counted in {@link #COARSE_BUCKETS} buckets from their maximum down, so t
     * passes at most one bucket's worth of values more than {@code want}.
     */
    private int atLeast(int[] values, int n, int want) {
        int min = Integer.MAX_VALUE;
        int max = Integer.MIN_VALUE;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, values[i]);
            max = Math.max(max, values[i]);
        }
        int shift = 0;
        while (((long) max - min) >>> shift >= COARSE_BUCKETS) shift++;
        int[] histogram = this.histogram;
        Arrays.fill(histogram, 0);
        for (int i = 0; i < n; i++) histogram[(max - values[i]) >>> shift]++;
        int taken = 0;
        int bucket = -1;
        while (taken < want) taken += histogram[++bucket];
        // Bucket b holds the values v with (max - v) >> shift == b: the lowest of them is max - ((b + 1) << shift) + 1.
        return (int) Math.max(min, (long) max - ((long) (bucket + 1) << shift) + 1);
    }
}
