package org.agentrouter.memory.index;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.MemorySearch;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.VectorChecks;
import org.agentrouter.memory.kernels.FloatCosine;
import org.agentrouter.memory.kernels.Int2Codes;
import org.agentrouter.memory.kernels.Int2Dot;
import org.agentrouter.memory.kernels.Int4Codes;
import org.agentrouter.memory.kernels.Int4Dot;
import org.agentrouter.memory.kernels.Int8Codes;
import org.agentrouter.memory.kernels.Int8Dot;
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
 * {@code QuantizedIndex}.
 *
 * <p>Reading the codes is what bounds the scan at 100k-1M memories, so a large namespace is first scanned on
 * 2-bit codes ({@link Int2Codes}: 96 bytes per memory, half again) for a coarse shortlist of
 * {@code coarseFactor * k} rows (more above 100k memories, {@link CoarsePass#coarseRows}), and only those rows are scored
 * on their 4-bit codes. The 2-bit score is off by ~0.35 of the spread of cosines, so the coarse shortlist is
 * wide: at 30 k it kept 0.9995 of the true top 100 of 100k random unit memories (BENCHMARKS.md, "2-bit coarse
 * pass"). Both passes rank by cosine: the
 * 2-bit codes are of the unit vector and the 4-bit scale is divided by the vector's norm.
 *
 * <p>Unlike {@code QuantizedIndex}, rows are updated and deleted in place (a delete moves the last row
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
 * threads", {@link SplitScan}); the pool belongs to the index and ends with {@link #close()}. The coarse pass
 * is {@link CoarsePass}.
 */
public final class LiveMemoryIndex implements MemorySearch, AutoCloseable {
    private static final int DIM = org.agentrouter.wire.Embeddings.DIM;

    /** The codes the first pass scans. */
    public enum FirstPass {
        /** 4-bit codes, one scale per vector ({@link Int4Codes}), after a 2-bit coarse pass on large namespaces. */
        INT4,
        /** int8 codes, one scale per vector ({@link Int8Codes#quantize}). */
        INT8
    }

    /** Rows per {@link Int8Dot#dotRows} call (96 KB of codes); their 1 KB of dots stays in L1 for the heap pass. */
    public static final int SCAN_BLOCK_ROWS = 256;
    /** Smallest namespace whose scan is split: below it (under ~0.4 ms of scan) the hand-off costs more than it saves. */
    static final int PARALLEL_MIN_ROWS = 16_384;
    /** The job's coarse shortlist per requested candidate (see the class comment and RouterConfig). */
    public static final int DEFAULT_COARSE_FACTOR = 30;

    private final Map<String, Space> spaces = new HashMap<>();
    private final FirstPass firstPass;
    private final RowScan rows;
    private final int coarseFactor;
    /** Code bytes per row. */
    private final int rowBytes;
    /** Null with one scan thread. */
    private final SplitScan split;
    /** Null without the coarse pass (int8, or a coarse factor of 0). */
    private final CoarsePass coarsePass;
    private final int[] passingRows = new int[SCAN_BLOCK_ROWS];
    private final FloatCosine rescoring = FloatCosine.best();
    private final int shortlistFactor;
    private final int scanThreads;
    /** One kernel call's dots in a full scan ({@link Int4Dot#rowsPerCall}). */
    private final int[] blockDots;
    private ShortlistHeap heap = new ShortlistHeap(64);
    private double[] exact = new double[0];
    private long[] sortKeys = new long[0];
    private MemoryRecord[] shortlisted = new MemoryRecord[0];
    private float[][] shortlistedVectors = new float[0][];
    private long total;

    public LiveMemoryIndex(IndexSettings settings) {
        int shortlistFactor = settings.shortlistFactor();
        int scanThreads = settings.scanThreads();
        int coarseFactor = settings.coarseFactor();
        FirstPass firstPass = settings.firstPass();
        if (shortlistFactor < 1) {
            throw new IllegalArgumentException("shortlistFactor must be >= 1, got " + shortlistFactor);
        }
        if (scanThreads < 1) {
            throw new IllegalArgumentException("scanThreads must be >= 1, got " + scanThreads);
        }
        if (coarseFactor < 0 || (firstPass == FirstPass.INT8 && coarseFactor != 0)) {
            throw new IllegalArgumentException("coarseFactor must be >= 0, and 0 with the int8 first pass; got " + coarseFactor);
        }
        Int8Dot kernel = firstPass == FirstPass.INT8
                ? (settings.int8Kernel() != null ? settings.int8Kernel() : Int8Dot.best()) : null;
        Int4Dot kernel4 = firstPass == FirstPass.INT4
                ? (settings.int4Kernel() != null ? settings.int4Kernel() : Int4Dot.best()) : null;
        Int2Dot kernel2 = firstPass == FirstPass.INT4 && coarseFactor > 0
                ? (settings.int2Kernel() != null ? settings.int2Kernel() : Int2Dot.best()) : null;
        this.shortlistFactor = shortlistFactor;
        this.scanThreads = scanThreads;
        this.firstPass = firstPass;
        this.rows = new RowScan(kernel, kernel4, kernel2);
        this.coarseFactor = kernel2 != null ? coarseFactor : 0;
        // At least a block: the filtered scan's batches of passing rows use the same buffer.
        int perCall = Math.max(kernel4 != null ? kernel4.rowsPerCall() : SCAN_BLOCK_ROWS,
                kernel2 != null ? kernel2.rowsPerCall() : SCAN_BLOCK_ROWS);
        this.blockDots = new int[Math.max(SCAN_BLOCK_ROWS, perCall)];
        this.rowBytes = firstPass == FirstPass.INT4 ? Int4Codes.rowBytes(DIM) : DIM;
        this.split = scanThreads > 1 ? new SplitScan(rows, scanThreads) : null;
        this.coarsePass = kernel2 != null ? new CoarsePass(rows, split) : null;
    }

    public FirstPass firstPass() {
        return firstPass;
    }

    public String kernelName() {
        return (rows.kernel2 != null ? rows.kernel2.name() + " x" + coarseFactor + "k+" : "")
                + (rows.kernel4 != null ? rows.kernel4.name() : rows.kernel.name()) + "+" + rescoring.name()
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
        return coarsePass == null ? 0 : coarsePass.fallbacks();
    }

    /** The coarse shortlist per requested candidate; 0 when every row's 4-bit (or int8) codes are scanned. */
    public int coarseFactor() {
        return coarseFactor;
    }

    /** Stops the scan threads (if any were started); the index stays usable with one thread's scans. */
    @Override
    public void close() {
        if (split != null) split.close();
    }

    /** True once {@code namespace} was loaded (it may hold no memories any more). */
    public boolean has(String namespace) {
        return spaces.containsKey(namespace);
    }

    /** Marks a namespace as loaded even when it has no memories yet. */
    public void open(String namespace) {
        spaces.computeIfAbsent(namespace, n -> new Space(rowBytes, rows.kernel2 != null ? Int2Codes.rowBytes(DIM) : 0));
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
     * The memory {@code offset} places after the memory {@code id} in its session, by creation time (before it when
     * negative), or null: none there, no session, or not indexed. What {@link HybridSearch} adds around its best hits.
     */
    public MemoryRecord sessionNeighbour(String namespace, String id, int offset) {
        Space s = spaces.get(namespace);
        if (s == null) return null;
        Integer row = s.rowOf.get(id);
        return row == null ? null : s.timeline.step(s.records[row], offset);
    }

    /**
     * Adds or replaces {@code r} in its namespace (opened when new). The record is held by reference and
     * must not be changed afterwards: replace it with a new one. Throws when its vector is not a valid one.
     */
    public void upsert(MemoryRecord r) {
        VectorChecks.requireValid(r.embedding, "memory " + r.id + ": embedding");
        Space s = spaces.computeIfAbsent(r.namespace, n -> new Space(rowBytes, rows.kernel2 != null ? Int2Codes.rowBytes(DIM) : 0));
        Integer existing = s.rowOf.get(r.id);
        int row;
        if (existing != null) {
            row = existing;
            clearTags(s, row);
            s.timeline.remove(s.records[row]);
        } else {
            s.ensureCapacity(s.size + 1);
            row = s.size++;
            s.rowOf.put(r.id, row);
            total++;
        }
        if (rows.kernel4 != null) {
            // Divided by the norm, so the 4-bit pass ranks by cosine, as the coarse pass and the rescoring do.
            s.scale[row] = Int4Codes.quantize(r.embedding, s.codes, row * rowBytes, DIM) / norm(r.embedding);
            if (s.coarse != null) {
                Int2Codes.quantize(r.embedding, s.coarse, row * s.coarseRowBytes, DIM);
            }
        } else {
            Int8Codes.quantize(r.embedding, s.codes, row * DIM, DIM, s.scale, row);
        }
        s.records[row] = r;
        s.timeline.add(r);
        s.kind[row] = MemoryKinds.code(MemoryKinds.canonical(r.kind) == null ? MemoryRecord.EPISODE
                : MemoryKinds.canonical(r.kind));
        s.confidence[row] = Float.isNaN(r.confidence) ? MemoryKinds.UNKNOWN_CONFIDENCE : r.confidence;
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
        s.timeline.remove(s.records[row]);
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
            out.vector[c] = r.embedding;
        }
        Arrays.fill(shortlisted, 0, n, null);
        return out.size();
    }

    private int scan(Space s, float[] query, int k, int shortlist, RetrievalFilter f) {
        rows.setQuery(query);
        int size = s.size;
        if (heap.capacity() < shortlist) heap = new ShortlistHeap(shortlist);
        heap.reset(Math.min(shortlist, size));
        byte[] codes = s.codes;
        float[] scale = s.scale;
        if (!(f.hasKind() || f.hasMinConfidence() || f.hasTag())) {
            long coarse = CoarsePass.coarseRows(coarseFactor, k, size);
            if (s.coarse != null && size > 2 * coarse) {
                // Below twice the coarse shortlist its second stage would re-read most rows: 4-bit throughout.
                return coarsePass.run(s.coarse, codes, scale, size, (int) coarse, heap, blockDots);
            }
            RowScan.Pass pass = rows.kernel4 != null ? RowScan.Pass.INT4 : RowScan.Pass.INT8;
            if (split != null && size >= PARALLEL_MIN_ROWS) {
                split.firstPass(pass, codes, scale, size, heap, blockDots);
            } else {
                rows.scanRows(pass, codes, scale, 0, size, heap, blockDots);
            }
            return heap.size();
        }
        byte kindCode = f.hasKind() ? MemoryKinds.code(MemoryKinds.canonical(f.kind())) : -1;
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
                if (rows.kernel4 == null) {
                    heap.offer(rows.kernel.dot(codes, row * DIM, rows.queryCodes, DIM) * scale[row], row);
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










    private void offerPassing(byte[] codes, float[] scale, int n) {
        rows.kernel4.dotRowList(codes, passingRows, n, rows.queryShorts, DIM, blockDots);
        for (int i = 0; i < n; i++) {
            heap.offer(blockDots[i] * scale[passingRows[i]], passingRows[i]);
        }
    }

    /** Heap bytes of the index itself (codes, attributes, row references; the records are counted by state). */
    public long heapBytes() {
        long b = 0;
        for (Space s : spaces.values()) {
            b += s.codes.length + (s.coarse == null ? 0 : s.coarse.length) + 4L * s.scale.length + s.kind.length + 4L * s.confidence.length + 8L * s.records.length
                    + 48L * s.rowOf.size() + 40L * s.size; // + a tree node per memory in the session timeline
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
        /** The rows by session and time (session neighbours). */
        final SessionTimeline timeline = new SessionTimeline();

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
