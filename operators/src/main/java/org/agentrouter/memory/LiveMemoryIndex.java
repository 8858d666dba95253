package org.agentrouter.memory;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The retrieval index of the namespaces one subtask owns, fed memory by memory from Flink keyed state
 * (the source of truth) and searched without any I/O: a quantized copy of every vector in one contiguous
 * array per namespace is scanned for a shortlist of {@code shortlistFactor * k} rows, which are rescored by
 * exact cosine on their float vectors; the returned rows' fields (recency, use count, success, confidence,
 * outcomes, session, tags) come from the {@link MemoryRecord} the row holds. Same top-k as exact search
 * within the shortlist.
 *
 * <p>The first pass ({@link FirstPass}) reads 4-bit codes by default ({@link Int4Codes}: 192 bytes per
 * 384-d memory, half the int8 codes): on random unit vectors its score is off by ~1/8 of the spread of
 * cosines, so the shortlist misses some of the true top k that an int8 pass keeps; a shortlist of 4 k (the
 * job's factor) kept recall@100 at 0.9995-0.9996 (100k and 1M memories) where int8 keeps 1.0, at about half
 * the scan time (BENCHMARKS.md, "4-bit first pass"). {@link FirstPass#INT8} keeps the int8 scan of
 * {@link QuantizedIndex}.
 *
 * <p>Reading the codes is what bounds the scan at 100k-1M memories, so a large namespace is first scanned on
 * 2-bit codes ({@link Int2Codes}: 96 bytes per memory, half again) for a coarse shortlist of
 * {@code coarseFactor * k} rows (more above 100k memories, {@link #coarseRows}), and only those rows are scored
 * on their 4-bit codes. The 2-bit score is off by ~0.35 of the spread of cosines, so the coarse shortlist is
 * wide: at 30 k it kept 0.9995 of the true top 100 of 100k random unit memories (BENCHMARKS.md, "2-bit coarse
 * pass"). Both passes rank by cosine: the
 * 2-bit codes are of the unit vector and the 4-bit scale is divided by the vector's norm.
 *
 * <p>Unlike {@link QuantizedIndex}, rows are updated and deleted in place (a delete moves the last row
 * into the hole), so the index always equals the state it was fed. Filters (kind, minimum confidence, tag)
 * are tested per row inside the scan.
 *
 * <p>Memory per memory: {@code dim / 2} bytes of 4-bit codes ({@code dim} with the int8 first pass) + 9 bytes
 * of scan attributes + a reference to its record
 * (whose float vector is shared with the record: with the heap state backend the same array as in state;
 * with RocksDB the only heap copy). One per task slot, not thread-safe.
 *
 * <p>With {@code scanThreads > 1} an unfiltered first pass over a large namespace is split into contiguous
 * ranges, one per thread (the calling thread takes the first), each with its own shortlist, merged in row
 * order: the same shortlist as one thread, at up to {@code scanThreads} times the cores for one query. It
 * trades throughput headroom for latency, so it pays only where a core is idle (BENCHMARKS.md, "Scan
 * threads"); the pool belongs to the index and ends with {@link #close()}.
 */
public final class LiveMemoryIndex implements MemorySearch, AutoCloseable {
    private static final int DIM = MemorySchema.DIM;

    /** The codes the first pass scans. */
    public enum FirstPass {
        /** 4-bit codes, one scale per vector ({@link Int4Codes}), after a 2-bit coarse pass on large namespaces. */
        INT4,
        /** int8 codes, one scale per vector ({@link QuantizedNamespace#quantize}). */
        INT8
    }

    /** Rows per {@link Int8Dot#dotRows} call (96 KB of codes); their 1 KB of dots stays in L1 for the heap pass. */
    static final int SCAN_BLOCK_ROWS = 256;
    /** Smallest namespace whose scan is split: below it (under ~0.4 ms of scan) the hand-off costs more than it saves. */
    static final int PARALLEL_MIN_ROWS = 16_384;
    /** The job's coarse shortlist per requested candidate (see the class comment and RouterConfig). */
    public static final int DEFAULT_COARSE_FACTOR = 30;
    /** Buckets of the coarse pass's selection: finer ones overshoot the coarse shortlist by fewer rows. */
    static final int COARSE_BUCKETS = 4096;
    /** Namespace size up to which the coarse shortlist is {@code coarseFactor * k} rows ({@link #coarseRows}). */
    static final int COARSE_SCALE_ROWS = 100_000;
    /** Rows whose 2-bit dots set the coarse pass's first threshold, at least ({@link #sampleSize}). */
    static final int SAMPLE_ROWS = 4096;
    /** Contiguous rows per block of the sample ({@link #sampleRow}). */
    static final int SAMPLE_BLOCK = 16;

    private final Map<String, Space> spaces = new HashMap<>();
    private final FirstPass firstPass;
    /** Exactly one of the two is set, as {@link #firstPass} says. */
    private final Int8Dot kernel;
    private final Int4Dot kernel4;
    /** The coarse pass's kernel, null without one (int8, or a coarse factor of 0). */
    private final Int2Dot kernel2;
    private final int coarseFactor;
    /** Code bytes per row. */
    private final int rowBytes;
    /** The 2-bit dots of the coarse pass's sample (of every row on its fallback), grown as needed. */
    private int[] coarseAll = new int[0];
    /** The sample's rows ({@link #sampleRow}). */
    private int[] sampleRows = new int[0];
    /** Values per bucket, counted from the largest down ({@link #atLeast}). */
    private final int[] coarseHistogram = new int[COARSE_BUCKETS];
    /** The rows that reach the coarse threshold, then the coarse shortlist and its 4-bit dots. */
    private final Passing coarsePassing = new Passing();
    private long coarseFallbacks;
    private final int[] passingRows = new int[SCAN_BLOCK_ROWS];
    private final FloatCosine rescoring = FloatCosine.best();
    private final int shortlistFactor;
    private final int scanThreads;
    /** scanThreads - 1 workers, started by the first split scan; parts[0] is the calling thread's. */
    private ExecutorService scanPool;
    private ScanPart[] parts;
    private Future<?>[] pending;
    private final int[] queryCodes = new int[DIM];
    private final short[] queryShorts = new short[DIM];
    private final byte[] queryBytes = new byte[DIM];
    private final float[] queryScale = new float[1];
    /** One kernel call's dots in a full scan ({@link Int4Dot#rowsPerCall}). */
    private final int[] blockDots;
    private QuantizedIndex.ShortlistHeap heap = new QuantizedIndex.ShortlistHeap(64);
    private double[] exact = new double[0];
    private long[] sortKeys = new long[0];
    private MemoryRecord[] shortlisted = new MemoryRecord[0];
    private float[][] shortlistedVectors = new float[0][];
    private long total;

    /** The 4-bit first pass with the job's coarse pass. */
    public LiveMemoryIndex(int shortlistFactor) {
        this(shortlistFactor, FirstPass.INT4);
    }

    public LiveMemoryIndex(int shortlistFactor, FirstPass firstPass) {
        this(shortlistFactor, firstPass, 1);
    }

    /** With the job's coarse pass for 4-bit ({@link #DEFAULT_COARSE_FACTOR}); int8 has none. */
    public LiveMemoryIndex(int shortlistFactor, FirstPass firstPass, int scanThreads) {
        this(shortlistFactor, firstPass, scanThreads, firstPass == FirstPass.INT4 ? DEFAULT_COARSE_FACTOR : 0);
    }

    /** {@code coarseFactor} 0 scans every row's 4-bit codes; the int8 pass takes only 0. */
    public LiveMemoryIndex(int shortlistFactor, FirstPass firstPass, int scanThreads, int coarseFactor) {
        this(shortlistFactor, firstPass, firstPass == FirstPass.INT8 ? Int8Dot.best() : null,
                firstPass == FirstPass.INT4 ? Int4Dot.best() : null,
                firstPass == FirstPass.INT4 && coarseFactor > 0 ? Int2Dot.best() : null, coarseFactor, scanThreads);
    }

    /** The int8 first pass on this kernel. */
    LiveMemoryIndex(int shortlistFactor, Int8Dot kernel) {
        this(shortlistFactor, FirstPass.INT8, kernel, null, null, 0, 1);
    }

    /** The 4-bit first pass on this kernel, without the coarse pass. */
    LiveMemoryIndex(int shortlistFactor, Int4Dot kernel) {
        this(shortlistFactor, FirstPass.INT4, null, kernel, null, 0, 1);
    }

    /** The coarse pass on {@code kernel2}, then the 4-bit pass on {@code kernel4}. */
    LiveMemoryIndex(int shortlistFactor, int coarseFactor, Int4Dot kernel4, Int2Dot kernel2, int scanThreads) {
        this(shortlistFactor, FirstPass.INT4, null, kernel4, kernel2, coarseFactor, scanThreads);
    }

    private LiveMemoryIndex(int shortlistFactor, FirstPass firstPass, Int8Dot kernel, Int4Dot kernel4, Int2Dot kernel2,
                            int coarseFactor, int scanThreads) {
        if (shortlistFactor < 1) {
            throw new IllegalArgumentException("shortlistFactor must be >= 1, got " + shortlistFactor);
        }
        if (scanThreads < 1) {
            throw new IllegalArgumentException("scanThreads must be >= 1, got " + scanThreads);
        }
        if (coarseFactor < 0 || (firstPass == FirstPass.INT8 && coarseFactor != 0)) {
            throw new IllegalArgumentException("coarseFactor must be >= 0, and 0 with the int8 first pass; got " + coarseFactor);
        }
        this.shortlistFactor = shortlistFactor;
        this.scanThreads = scanThreads;
        this.firstPass = firstPass;
        this.kernel = kernel;
        this.kernel4 = kernel4;
        this.kernel2 = coarseFactor > 0 ? kernel2 : null;
        this.coarseFactor = this.kernel2 != null ? coarseFactor : 0;
        // At least a block: the filtered scan's batches of passing rows use the same buffer.
        int perCall = Math.max(kernel4 != null ? kernel4.rowsPerCall() : SCAN_BLOCK_ROWS,
                this.kernel2 != null ? this.kernel2.rowsPerCall() : SCAN_BLOCK_ROWS);
        this.blockDots = new int[Math.max(SCAN_BLOCK_ROWS, perCall)];
        this.rowBytes = firstPass == FirstPass.INT4 ? Int4Codes.rowBytes(DIM) : DIM;
    }

    public FirstPass firstPass() {
        return firstPass;
    }

    public String kernelName() {
        return (kernel2 != null ? kernel2.name() + " x" + coarseFactor + "k+" : "")
                + (kernel4 != null ? kernel4.name() : kernel.name()) + "+" + rescoring.name()
                + (scanThreads > 1 ? " x" + scanThreads + " threads" : "");
    }

    public int scanThreads() {
        return scanThreads;
    }

    /**
     * Coarse passes whose sample set the threshold too high, so that a second pass counted every row (expected
     * about once in a thousand queries on 1M random memories; a frequent count means the sample misjudges the
     * namespace, see {@link #sampleRow}).
     */
    public long coarseFallbacks() {
        return coarseFallbacks;
    }

    /** The coarse shortlist per requested candidate; 0 when every row's 4-bit (or int8) codes are scanned. */
    public int coarseFactor() {
        return coarseFactor;
    }

    /** Stops the scan threads (if any were started); the index stays usable with one thread's scans. */
    @Override
    public void close() {
        if (scanPool != null) {
            scanPool.shutdownNow();
            scanPool = null;
        }
    }

    /** True once {@code namespace} was loaded (it may hold no memories any more). */
    public boolean has(String namespace) {
        return spaces.containsKey(namespace);
    }

    /** Marks a namespace as loaded even when it has no memories yet. */
    public void open(String namespace) {
        spaces.computeIfAbsent(namespace, n -> new Space(rowBytes, kernel2 != null ? Int2Codes.rowBytes(DIM) : 0));
    }

    /** Forgets a namespace (its key group moved away, or it is rebuilt). */
    public void drop(String namespace) {
        Space s = spaces.remove(namespace);
        if (s != null) {
            total -= s.size;
        }
    }

    public long size() {
        return total;
    }

    public int size(String namespace) {
        Space s = spaces.get(namespace);
        return s == null ? 0 : s.size;
    }

    public int namespaces() {
        return spaces.size();
    }

    /** The record indexed under this id, or null. */
    public MemoryRecord get(String namespace, String id) {
        Space s = spaces.get(namespace);
        if (s == null) return null;
        Integer row = s.rowOf.get(id);
        return row == null ? null : s.records[row];
    }

    /**
     * Adds or replaces {@code r} in its namespace (opened when new). The record is held by reference and
     * must not be changed afterwards: replace it with a new one. Throws when its vector is not a valid one.
     */
    public void upsert(MemoryRecord r) {
        VectorChecks.requireValid(r.embedding, "memory " + r.id + ": embedding");
        Space s = spaces.computeIfAbsent(r.namespace, n -> new Space(rowBytes, kernel2 != null ? Int2Codes.rowBytes(DIM) : 0));
        Integer existing = s.rowOf.get(r.id);
        int row;
        if (existing != null) {
            row = existing;
            clearTags(s, row);
        } else {
            s.ensureCapacity(s.size + 1);
            row = s.size++;
            s.rowOf.put(r.id, row);
            total++;
        }
        if (kernel4 != null) {
            // Divided by the norm, so the 4-bit pass ranks by cosine, as the coarse pass and the rescoring do.
            s.scale[row] = Int4Codes.quantize(r.embedding, s.codes, row * rowBytes, DIM) / norm(r.embedding);
            if (s.coarse != null) {
                Int2Codes.quantize(r.embedding, s.coarse, row * s.coarseRowBytes, DIM);
            }
        } else {
            QuantizedNamespace.quantize(r.embedding, s.codes, row * DIM, DIM, s.scale, row);
        }
        s.records[row] = r;
        s.kind[row] = QuantizedNamespace.kindCode(MemoryKinds.canonical(r.kind) == null ? MemoryRecord.EPISODE
                : MemoryKinds.canonical(r.kind));
        s.confidence[row] = Float.isNaN(r.confidence) ? MemorySchema.UNKNOWN_CONFIDENCE : r.confidence;
        if (r.tags != null) {
            for (String t : r.tags) {
                s.tagRows.computeIfAbsent(t, x -> new BitSet()).set(row);
            }
        }
    }

    /** Removes the memory; returns false when it was not indexed. */
    public boolean delete(String namespace, String id) {
        Space s = spaces.get(namespace);
        if (s == null) return false;
        Integer boxed = s.rowOf.remove(id);
        if (boxed == null) return false;
        int row = boxed;
        clearTags(s, row);
        int last = s.size - 1;
        if (row != last) {
            MemoryRecord moved = s.records[last];
            clearTags(s, last);
            System.arraycopy(s.codes, last * rowBytes, s.codes, row * rowBytes, rowBytes);
            if (s.coarse != null) {
                System.arraycopy(s.coarse, last * s.coarseRowBytes, s.coarse, row * s.coarseRowBytes, s.coarseRowBytes);
            }
            s.scale[row] = s.scale[last];
            s.kind[row] = s.kind[last];
            s.confidence[row] = s.confidence[last];
            s.records[row] = moved;
            s.rowOf.put(moved.id, row);
            if (moved.tags != null) {
                for (String t : moved.tags) {
                    s.tagRows.computeIfAbsent(t, x -> new BitSet()).set(row);
                }
            }
        }
        s.records[last] = null;
        s.size--;
        total--;
        return true;
    }

    /** The vector's length (valid vectors are not all zero: VectorChecks). */
    static float norm(float[] v) {
        double n = 0;
        for (float x : v) n += (double) x * x;
        return (float) Math.sqrt(n);
    }

    private static void clearTags(Space s, int row) {
        MemoryRecord r = s.records[row];
        if (r == null || r.tags == null) return;
        for (String t : r.tags) {
            BitSet b = s.tagRows.get(t);
            if (b != null) {
                b.clear(row);
                if (b.isEmpty()) s.tagRows.remove(t);
            }
        }
    }

    @Override
    public int topK(String namespace, float[] query, int k, RetrievalFilter filter, CandidateSet out) {
        if (namespace == null) {
            throw new IllegalArgumentException("namespace is null");
        }
        if (k < 1 || k > out.capacity()) {
            throw new IllegalArgumentException("k must be in [1, " + out.capacity() + "], got " + k);
        }
        VectorChecks.requireValid(query, "query vector");
        out.clear();
        Space s = spaces.get(namespace);
        if (s == null || s.size == 0) return 0;
        RetrievalFilter f = filter == null ? RetrievalFilter.NONE : filter;
        int n = scan(s, query, k, (int) Math.min((long) k * shortlistFactor, Integer.MAX_VALUE), f);
        if (n == 0) return 0;
        if (exact.length < n) {
            exact = new double[n];
            sortKeys = new long[n];
            shortlisted = new MemoryRecord[n];
            shortlistedVectors = new float[n][];
        }
        double queryNorm = 0;
        for (int i = 0; i < DIM; i++) queryNorm += (double) query[i] * query[i];
        queryNorm = Math.sqrt(queryNorm);
        // The shortlisted rows' records, then their vectors, each in a loop of independent loads: the CPU
        // overlaps these cache misses, which a cosine per record would take one chain at a time (400 rows at
        // 100k-1M memories: 0.36-0.43 ms -> 0.20-0.25 ms, BENCHMARKS.md "Scan threads").
        for (int i = 0; i < n; i++) {
            shortlisted[i] = s.records[heap.row(i)];
        }
        for (int i = 0; i < n; i++) shortlistedVectors[i] = shortlisted[i].embedding;
        for (int i = 0; i < n; i++) exact[i] = rescoring.cosine(query, queryNorm, shortlistedVectors[i]);
        Arrays.fill(shortlistedVectors, 0, n, null); // holds no vector past the query
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToIntBits((float) exact[i]);
            int ordered = bits >= 0 ? bits : bits ^ 0x7fffffff;
            sortKeys[i] = ((long) ~ordered << 32) | i;
        }
        Arrays.sort(sortKeys, 0, n);
        int take = Math.min(k, n);
        for (int j = 0; j < take; j++) {
            int i = (int) sortKeys[j];
            MemoryRecord r = shortlisted[i];
            int c = out.add(r.id, (float) exact[i]);
            out.createdAtMs[c] = r.createdAtMs;
            out.lastUsedAtMs[c] = r.lastUsedAtMs;
            out.useCount[c] = r.useCount;
            out.successRate[c] = r.successRate;
            out.confidence[c] = r.confidence;
            out.cheapOutcome[c] = r.cheapOutcome;
            out.strongOutcome[c] = r.strongOutcome;
            out.sessionId[c] = r.sessionId;
            out.kind[c] = MemoryKinds.canonical(r.kind);
            out.tags[c] = r.tags == null ? CandidateSet.NO_TAGS : r.tags;
            out.text[c] = r.text;
        }
        Arrays.fill(shortlisted, 0, n, null);
        return out.size();
    }

    private int scan(Space s, float[] query, int k, int shortlist, RetrievalFilter f) {
        QuantizedNamespace.quantize(query, queryBytes, 0, DIM, queryScale, 0);
        for (int i = 0; i < DIM; i++) {
            queryCodes[i] = queryBytes[i];
            queryShorts[i] = queryBytes[i];
        }
        int size = s.size;
        if (heap.capacity() < shortlist) heap = new QuantizedIndex.ShortlistHeap(shortlist);
        heap.reset(Math.min(shortlist, size));
        byte[] codes = s.codes;
        float[] scale = s.scale;
        if (!(f.hasKind() || f.hasMinConfidence() || f.hasTag())) {
            long coarse = coarseRows(coarseFactor, k, size);
            if (s.coarse != null && size > 2 * coarse) {
                // Below twice the coarse shortlist its second stage would re-read most rows: 4-bit throughout.
                return coarseThenInt4(s, (int) coarse);
            }
            Pass pass = kernel4 != null ? Pass.INT4 : Pass.INT8;
            if (scanThreads > 1 && size >= PARALLEL_MIN_ROWS) {
                scanSplit(pass, codes, scale, size);
            } else {
                scanRows(pass, codes, scale, 0, size, heap, blockDots);
            }
            return heap.size();
        }
        byte kindCode = f.hasKind() ? QuantizedNamespace.kindCode(MemoryKinds.canonical(f.kind())) : -1;
        float minConfidence = f.hasMinConfidence() ? f.minConfidence() : Float.NEGATIVE_INFINITY;
        BitSet tagged = null;
        if (f.hasTag()) {
            tagged = s.tagRows.get(f.tag());
            if (tagged == null) return 0;
        }
        int row = tagged == null ? 0 : tagged.nextSetBit(0);
        int passing = 0;
        while (row >= 0 && row < size) {
            if ((kindCode < 0 || s.kind[row] == kindCode) && s.confidence[row] >= minConfidence) {
                if (kernel4 == null) {
                    heap.offer(kernel.dot(codes, row * DIM, queryCodes, DIM) * scale[row], row);
                } else {
                    // 4-bit: the passing rows in batches, offered in row order as the int8 path does.
                    passingRows[passing++] = row;
                    if (passing == passingRows.length) {
                        offerPassing(codes, scale, passing);
                        passing = 0;
                    }
                }
            }
            row = tagged == null ? row + 1 : tagged.nextSetBit(row + 1);
        }
        if (passing > 0) {
            offerPassing(codes, scale, passing);
        }
        return heap.size();
    }

    /**
     * The 2-bit pass over every row, then the 4-bit scores of its best rows into {@link #heap}. The best rows
     * are picked without a heap (one of 3,000 took ~13k inserts over 100k rows, 1.5 ms here): the dots of a
     * sample ({@link #SAMPLE_ROWS} rows or 1/128 of them, in blocks spread over the namespace) give a threshold
     * that ~1.5 {@code coarse} rows pass, the pass collects the rows that reach it while their dots are in L1,
     * and a histogram of the collected dots keeps the rows in the buckets that first reach {@code coarse}. So the
     * shortlist holds a few more than {@code coarse} rows (those of the last bucket), in row order. A sample
     * that set the threshold too high (fewer than {@code coarse} rows reach it) falls back to a second pass that
     * counts every row's dot. The same rows at any number of scan threads: the sample does not depend on them.
     */
    private int coarseThenInt4(Space s, int coarse) {
        int size = s.size;
        int sample = sampleSize(size);
        if (coarseAll.length < sample) {
            coarseAll = new int[sample];
            sampleRows = new int[sample];
        }
        for (int i = 0; i < sample; i++) sampleRows[i] = sampleRow(i, sample, size);
        kernel2.dotRowList(s.coarse, sampleRows, sample, queryShorts, DIM, coarseAll);
        int threshold = atLeast(coarseAll, sample, (int) Math.min(sample, (long) coarse * sample * 3 / (2L * size) + 8));
        Passing passing = coarsePassing;
        passing.clear();
        if (scanThreads > 1 && size >= PARALLEL_MIN_ROWS) {
            runSplit(Pass.INT2, s.coarse, null, 0, size, threshold);
            for (int i = 1; i < scanThreads; i++) {
                passing.addAll(parts[i].passing);
                parts[i].release();
            }
        } else {
            coarseDots(s.coarse, 0, size, blockDots, null, 0, threshold, passing);
        }
        if (passing.n < coarse) {
            // The sample's threshold was too high: every row's dot, then the threshold that reaches coarse rows.
            coarseFallbacks++;
            if (coarseAll.length < size) coarseAll = new int[size];
            coarseDots(s.coarse, 0, size, blockDots, coarseAll, 0, Integer.MAX_VALUE, null);
            threshold = atLeast(coarseAll, size, coarse);
            passing.clear();
            for (int r = 0; r < size; r++) {
                if (coarseAll[r] >= threshold) passing.add(r, coarseAll[r]);
            }
        }
        // Of those, the rows in the buckets that first reach the coarse shortlist (in row order).
        int[] rows = passing.rows;
        int[] dots = passing.dots;
        int finalThreshold = atLeast(dots, passing.n, coarse);
        int kept = 0;
        for (int i = 0; i < passing.n; i++) {
            if (dots[i] >= finalThreshold) rows[kept++] = rows[i];
        }
        kernel4.dotRowList(s.codes, rows, kept, queryShorts, DIM, dots);
        float[] scale = s.scale;
        for (int i = 0; i < kept; i++) {
            heap.offer(dots[i] * scale[rows[i]], rows[i]);
        }
        return heap.size();
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
        int[] histogram = coarseHistogram;
        Arrays.fill(histogram, 0);
        for (int i = 0; i < n; i++) histogram[(max - values[i]) >>> shift]++;
        int taken = 0;
        int bucket = -1;
        while (taken < want) taken += histogram[++bucket];
        // Bucket b holds the values v with (max - v) >> shift == b: the lowest of them is max - ((b + 1) << shift) + 1.
        return (int) Math.max(min, (long) max - ((long) (bucket + 1) << shift) + 1);
    }

    /**
     * The 2-bit dots of rows [from, to): into {@code all[row - allFrom]} when {@code all} is given, and the rows
     * whose dot reaches {@code threshold} into {@code passing} when it is given.
     */
    private void coarseDots(byte[] codes, int from, int to, int[] dots, int[] all, int allFrom, int threshold,
                            Passing passing) {
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

    /** Rows that reached the coarse threshold and their 2-bit dots, in row order (grown as needed). */
    private static final class Passing {
        int[] rows = new int[1024];
        int[] dots = new int[1024];
        int n;

        void clear() {
            n = 0;
        }

        void add(int row, int dot) {
            if (n == rows.length) {
                rows = Arrays.copyOf(rows, 2 * n);
                dots = Arrays.copyOf(dots, 2 * n);
            }
            rows[n] = row;
            dots[n++] = dot;
        }

        void addAll(Passing other) {
            for (int i = 0; i < other.n; i++) add(other.rows[i], other.dots[i]);
        }
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

    /** The codes a full scan reads. */
    private enum Pass { INT8, INT4, INT2 }

    /**
     * One kernel call per block of rows (its loop takes the query as shorts); rows are offered in the same order
     * with the same exact scores as one by one, so the shortlist is the same. Reads only shared state that no
     * other thread writes during a scan (codes, scales, the query), so ranges can run on several threads.
     */
    private void scanRows(Pass pass, byte[] codes, float[] scale, int from, int to, QuantizedIndex.ShortlistHeap into,
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
     * The first pass over {@code scanThreads} contiguous ranges. Each range keeps its own best {@code limit}
     * rows; the calling thread scans the first into {@link #heap} and then offers the others' rows in range
     * order. A row of the overall best {@code limit} is among its own range's best, so the merged shortlist is
     * the one a single pass keeps (ties at the boundary aside, which a single pass breaks by row order too).
     */
    private void scanSplit(Pass pass, byte[] codes, float[] scale, int size) {
        runSplit(pass, codes, scale, 0, size, heap.limit());
        for (int i = 1; i < scanThreads; i++) {
            QuantizedIndex.ShortlistHeap h = parts[i].heap;
            for (int j = 0; j < h.size(); j++) {
                heap.offer(h.score(j), h.row(j));
            }
            parts[i].release();
        }
    }

    /**
     * Runs a pass over rows [start, size) in {@code scanThreads} contiguous ranges of whole 256-row blocks: the
     * calling thread takes the first (into {@link #heap}, or {@link #coarsePassing} for the 2-bit pass) and
     * waits for the others, whose shortlists (or passing rows) stay in {@link #parts}. {@code limit} is the
     * shortlist's length, or the 2-bit pass's threshold.
     */
    private void runSplit(Pass pass, byte[] codes, float[] scale, int start, int size, int limit) {
        if (scanPool == null) {
            AtomicInteger n = new AtomicInteger();
            scanPool = Executors.newFixedThreadPool(scanThreads - 1, r -> {
                Thread t = new Thread(r, "memory-scan-" + n.incrementAndGet());
                t.setDaemon(true); // never keeps a TaskManager alive if close() is skipped
                return t;
            });
            parts = new ScanPart[scanThreads];
            pending = new Future<?>[scanThreads];
            for (int i = 1; i < scanThreads; i++) parts[i] = new ScanPart();
        }
        // Ranges in whole 256-row blocks (the split itself needs no alignment; this keeps the ranges readable).
        int blocks = (size - start + SCAN_BLOCK_ROWS - 1) / SCAN_BLOCK_ROWS;
        for (int i = 1; i < scanThreads; i++) {
            int from = Math.min(size, start + (int) ((long) blocks * i / scanThreads) * SCAN_BLOCK_ROWS);
            int to = Math.min(size, start + (int) ((long) blocks * (i + 1) / scanThreads) * SCAN_BLOCK_ROWS);
            parts[i].set(pass, codes, scale, from, to, limit);
            pending[i] = scanPool.submit(parts[i]);
        }
        int firstEnd = Math.min(size, start + (int) ((long) blocks / scanThreads) * SCAN_BLOCK_ROWS);
        if (pass == Pass.INT2) {
            coarseDots(codes, start, firstEnd, blockDots, null, 0, limit, coarsePassing);
        } else {
            scanRows(pass, codes, scale, start, firstEnd, heap, blockDots);
        }
        for (int i = 1; i < scanThreads; i++) {
            try {
                pending[i].get();
            } catch (InterruptedException e) {
                // The task is being cancelled; close() stops the pool.
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the memory scan threads were running", e);
            } catch (ExecutionException e) {
                awaitPending(i + 1); // the next query reuses the parts: none may still be running
                throw new IllegalStateException("memory scan thread failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private void awaitPending(int from) {
        for (int i = from; i < scanThreads; i++) {
            try {
                pending[i].get();
            } catch (ExecutionException e) {
                // reported by the first failure already
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One range of a split scan, reused query after query (its heap and dot buffer are allocated once). */
    private final class ScanPart implements Runnable {
        QuantizedIndex.ShortlistHeap heap = new QuantizedIndex.ShortlistHeap(64);
        final int[] dots = new int[blockDots.length];
        /** The 2-bit pass's rows that reach the threshold. */
        final Passing passing = new Passing();
        private Pass pass;
        private int limit;
        private byte[] codes;
        private float[] scale;
        private int from;
        private int to;

        /** Written by the calling thread before submit and read by it after get(): the executor orders both. */
        void set(Pass pass, byte[] codes, float[] scale, int from, int to, int limit) {
            this.pass = pass;
            this.codes = codes;
            this.scale = scale;
            this.from = from;
            this.to = to;
            this.limit = limit;
            if (pass == Pass.INT2) {
                passing.clear();
            } else {
                if (heap.capacity() < limit) heap = new QuantizedIndex.ShortlistHeap(limit);
                heap.reset(limit);
            }
        }

        @Override
        public void run() {
            if (pass == Pass.INT2) {
                coarseDots(codes, from, to, dots, null, 0, limit, passing);
            } else {
                scanRows(pass, codes, scale, from, to, heap, dots);
            }
        }

        /** Drops the references to the namespace's arrays so a dropped namespace can be collected. */
        void release() {
            codes = null;
            scale = null;
        }
    }

    private void offerPassing(byte[] codes, float[] scale, int n) {
        kernel4.dotRowList(codes, passingRows, n, queryShorts, DIM, blockDots);
        for (int i = 0; i < n; i++) {
            heap.offer(blockDots[i] * scale[passingRows[i]], passingRows[i]);
        }
    }

    /** Heap bytes of the index itself (codes, attributes, row references; the records are counted by state). */
    public long heapBytes() {
        long b = 0;
        for (Space s : spaces.values()) {
            b += s.codes.length + (s.coarse == null ? 0 : s.coarse.length) + 4L * s.scale.length + s.kind.length + 4L * s.confidence.length + 8L * s.records.length
                    + 48L * s.rowOf.size();
        }
        return b;
    }

    /** One namespace's rows. */
    private static final class Space {
        final int rowBytes;
        /** 2-bit code bytes per row; 0 (and no coarse codes) without the coarse pass. */
        final int coarseRowBytes;
        int size;
        byte[] codes;
        byte[] coarse;
        float[] scale = new float[16];
        byte[] kind = new byte[16];
        float[] confidence = new float[16];
        MemoryRecord[] records = new MemoryRecord[16];
        final Map<String, Integer> rowOf = new HashMap<>();
        final Map<String, BitSet> tagRows = new HashMap<>();

        Space(int rowBytes, int coarseRowBytes) {
            this.rowBytes = rowBytes;
            this.coarseRowBytes = coarseRowBytes;
            codes = new byte[16 * rowBytes];
            coarse = coarseRowBytes == 0 ? null : new byte[16 * coarseRowBytes];
        }

        void ensureCapacity(int n) {
            if (n <= scale.length) return;
            int cap = Math.max(n, scale.length + (scale.length >> 1));
            codes = Arrays.copyOf(codes, cap * rowBytes);
            if (coarse != null) coarse = Arrays.copyOf(coarse, cap * coarseRowBytes);
            scale = Arrays.copyOf(scale, cap);
            kind = Arrays.copyOf(kind, cap);
            confidence = Arrays.copyOf(confidence, cap);
            records = Arrays.copyOf(records, cap);
        }
    }
}
