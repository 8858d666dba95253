package org.agentrouter.memory.store;

import org.agentrouter.memory.index.ShortlistHeap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.agentrouter.wire.Embeddings;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.MemorySearch;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.VectorChecks;
import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.store.QuantizedNamespace;
import org.agentrouter.memory.kernels.Int8Codes;
import org.agentrouter.memory.kernels.Int8Dot;
import org.agentrouter.memory.kernels.ScalarInt8Dot;
/**
 * Fast top-k over a {@link MemoryStore}: a memory-resident int8 copy of each namespace is scanned for a
 * shortlist of {@code shortlistFactor * k} rows, which are then rescored by exact cosine on their float
 * vectors (held in memory, or read from SQLite by rowid), so every returned similarity is the exact one
 * and the order is exact within the shortlist; only the best rows' other fields are read from SQLite. Measured recall@100
 * against exact search is in BENCHMARKS.md ("Fast retrieval").
 *
 * <p>Filters: kind, minimum confidence and tag are tested per row during the int8 scan (so a rare tag
 * still yields k rows when k exist), and again against the stored row during rescoring.
 *
 * <p>Freshness: a namespace is loaded on its first query (or by {@link #preload}); rows the store gains
 * afterwards (a higher rowid) are appended by {@link #refresh()}, which a search runs when the last one is
 * older than {@link Settings#refreshIntervalMs()}. A new memory is therefore searchable at most one refresh
 * interval after its commit. A re-upserted memory keeps its rowid: its new vector or namespace reaches the
 * int8 copy only when the index is rebuilt (the job reopens it on restart), but rescoring always reads the
 * current row, so a stale copy can cost recall, never a wrong similarity or a row of another namespace.
 *
 * <p>Memory: {@code dim + 17} bytes per memory (401 for 384-d) plus one bit per memory per distinct tag;
 * {@code 4 * dim} more (1,536) with {@link Settings#floatsInMemory()}.
 * Uses the store's connection, so like the store it is one per task slot and not thread-safe.
 */
public final class QuantizedIndex implements MemorySearch {
    /**
     * @param shortlistFactor   rows rescored exactly per requested row; on random 384-d data int8 order
     *                          alone needed ~105 rows to hold 99 of the top 100, so 2-4 keep recall ~1
     * @param refreshIntervalMs how stale the index may be: at most this long between checks for new rows
     * @param floatsInMemory    also hold the float vectors (4 * dim more bytes per memory) and rescore from
     *                          them, instead of reading the shortlist's vectors from SQLite by rowid
     */
    public record Settings(int shortlistFactor, long refreshIntervalMs, boolean floatsInMemory)
            implements java.io.Serializable {
        /** Sized for 1M memories in a 2 GB TaskManager: int8 only, floats read from SQLite. */
        public static final Settings DEFAULT = new Settings(4, 1_000, false);

        public Settings {
            if (shortlistFactor < 1) {
                throw new IllegalArgumentException("shortlistFactor must be >= 1, got " + shortlistFactor);
            }
            if (refreshIntervalMs < 0) {
                throw new IllegalArgumentException("refreshIntervalMs must be >= 0, got " + refreshIntervalMs);
            }
        }
    }

    private static final int DIM = MemorySchema.DIM;
    private static final int KIND_BIT = 1;
    private static final int CONFIDENCE_BIT = 2;

    private final MemoryStore store;
    private final Connection connection;
    private final Settings settings;
    private final Int8Dot kernel;
    private final Map<String, QuantizedNamespace> namespaces = new HashMap<>();
    private final PreparedStatement[] fieldStatements = new PreparedStatement[4];
    private PreparedStatement vectorsByRowid;
    private long[] exactRowid = new long[0];
    private double[] exactSimilarity = new double[0];
    private int[] order = new int[0];
    private long[] sortKeys = new long[0];
    private final float[] vectorBuffer = new float[DIM];
    private final int[] queryCodes = new int[DIM];
    private final short[] queryShorts = new short[DIM];
    private final int[] blockDots = new int[LiveMemoryIndex.SCAN_BLOCK_ROWS];
    private final byte[] queryBytes = new byte[DIM];
    private final float[] queryScale = new float[1];
    private final StringBuilder rowidJson = new StringBuilder();
    private ShortlistHeap heap = new ShortlistHeap(64);
    /** Highest rowid the loaded namespaces reflect. */
    private long watermark;
    private long lastRefreshNanos;

    private QuantizedIndex(MemoryStore store, Settings settings, Int8Dot kernel) {
        this.store = store;
        this.connection = store.connection();
        this.settings = settings;
        this.kernel = kernel;
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT coalesce(max(seq), 0) FROM memories")) {
            rs.next();
            watermark = rs.getLong(1);
        } catch (SQLException e) {
            throw failure("reading the rowid watermark", e);
        }
        lastRefreshNanos = System.nanoTime();
    }

    /** An index over {@code store} with the fastest int8 kernel this JVM can run. */
    public static QuantizedIndex over(MemoryStore store, Settings settings) {
        return new QuantizedIndex(store, settings, Int8Dot.best());
    }

    /** An index whose int8 scan is the plain-Java loop whatever the JVM offers (tests compare both). */
    static QuantizedIndex withScalarKernel(MemoryStore store, Settings settings) {
        return new QuantizedIndex(store, settings, new ScalarInt8Dot());
    }

    /** "vector-api" or "scalar": which int8 kernel this index scans with. */
    public String kernelName() {
        return kernel.name();
    }

    /** Distinct namespaces in the store. */
    public List<String> namespacesInStore() {
        List<String> names = new ArrayList<>();
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT DISTINCT namespace FROM memories")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
            return names;
        } catch (SQLException e) {
            throw failure("listing namespaces", e);
        }
    }

    /** Loads these namespaces now instead of on their first query. */
    public void preload(Collection<String> names) {
        for (String ns : names) {
            if (!namespaces.containsKey(ns)) {
                QuantizedNamespace loaded = load(ns);
                if (loaded != null) {
                    namespaces.put(ns, loaded);
                }
            }
        }
    }

    /** Memories held across loaded namespaces. */
    public long loadedMemories() {
        long n = 0;
        for (QuantizedNamespace ns : namespaces.values()) {
            n += ns.size;
        }
        return n;
    }

    /** Heap bytes held by the loaded namespaces (allocated capacity). */
    public long heapBytes() {
        long b = 0;
        for (QuantizedNamespace ns : namespaces.values()) {
            b += ns.bytes();
        }
        return b;
    }

    /** Bytes per memory of the int8 copy before tags, for sizing: {@code dim + 17}. */
    public static int bytesPerMemory() {
        return DIM + QuantizedNamespace.FIXED_BYTES_PER_ROW;
    }

    @Override
    public int topK(String namespace, float[] query, int k, RetrievalFilter filter, CandidateSet out) {
        if (namespace == null) {
            throw new IllegalArgumentException("namespace is null");
        }
        if (k < 1 || k > KnnSearch.MAX_K) {
            throw new IllegalArgumentException("k must be in [1, " + KnnSearch.MAX_K + "], got " + k);
        }
        if (k > out.capacity()) {
            throw new IllegalArgumentException("k = " + k + " exceeds the candidate set capacity " + out.capacity());
        }
        VectorChecks.requireValid(query, "query vector");
        RetrievalFilter f = filter == null ? RetrievalFilter.NONE : filter;
        out.clear();
        if (System.nanoTime() - lastRefreshNanos >= settings.refreshIntervalMs() * 1_000_000L) {
            refresh();
        }
        QuantizedNamespace ns = namespaces.get(namespace);
        if (ns == null) {
            ns = load(namespace);
            if (ns == null) {
                return 0; // not cached: unknown names from bad input must not grow the map
            }
            namespaces.put(namespace, ns);
        }
        int shortlist = (int) Math.min((long) k * settings.shortlistFactor(), Integer.MAX_VALUE);
        int found = scan(ns, query, shortlist, f);
        if (found == 0) {
            return 0;
        }
        try {
            return rescore(ns, namespace, query, k, f, out);
        } catch (SQLException e) {
            throw failure("rescoring the shortlist", e);
        }
    }

    /** Fills {@link #heap} with the best {@code shortlist} rows by int8 score; returns how many. */
    private int scan(QuantizedNamespace ns, float[] query, int shortlist, RetrievalFilter f) {
        Int8Codes.quantize(query, queryBytes, 0, DIM, queryScale, 0);
        for (int i = 0; i < DIM; i++) {
            queryCodes[i] = queryBytes[i];
            queryShorts[i] = queryBytes[i];
        }
        int size = ns.size;
        if (heap.capacity() < shortlist) {
            heap = new ShortlistHeap(shortlist);
        }
        heap.reset(Math.min(shortlist, size));
        byte[] codes = ns.codes;
        float[] scale = ns.scale;
        boolean filtered = f.hasKind() || f.hasMinConfidence() || f.hasTag();
        if (!filtered) {
            // As LiveMemoryIndex's scan: blocks of rows, offered in order, so the shortlist is unchanged.
            for (int from = 0; from < size; from += LiveMemoryIndex.SCAN_BLOCK_ROWS) {
                int to = Math.min(size, from + LiveMemoryIndex.SCAN_BLOCK_ROWS);
                kernel.dotRows(codes, from, to, queryShorts, DIM, blockDots);
                for (int row = from; row < to; row++) {
                    heap.offer(blockDots[row - from] * scale[row], row);
                }
            }
            return heap.size();
        }
        byte kindCode = f.hasKind() ? QuantizedNamespace.kindCode(MemoryKinds.canonical(f.kind())) : -1;
        float minConfidence = f.hasMinConfidence() ? f.minConfidence() : Float.NEGATIVE_INFINITY;
        BitSet tagged = null;
        if (f.hasTag()) {
            tagged = ns.tagRows.get(f.tag());
            if (tagged == null) {
                return 0;
            }
        }
        byte[] kind = ns.kind;
        float[] confidence = ns.confidence;
        int row = tagged == null ? 0 : tagged.nextSetBit(0);
        while (row >= 0 && row < size) {
            if ((kindCode < 0 || kind[row] == kindCode) && confidence[row] >= minConfidence) {
                heap.offer(kernel.dot(codes, row * DIM, queryCodes, DIM) * scale[row], row);
            }
            row = tagged == null ? row + 1 : tagged.nextSetBit(row + 1);
        }
        return heap.size();
    }

    /**
     * Exact cosine of every shortlisted row (float vectors from memory, or from SQLite by rowid), then the
     * stored fields of the best rows, in that order, until k rows pass the filters on their current values.
     */
    private int rescore(QuantizedNamespace ns, String namespace, float[] query, int k, RetrievalFilter f,
                        CandidateSet out) throws SQLException {
        int n = heap.size();
        ensureRescoreCapacity(n);
        double queryNorm = Math.sqrt(dot(query, 0, query));
        int scored = 0;
        if (ns.floats != null) {
            for (int i = 0; i < n; i++) {
                int row = heap.row(i);
                exactRowid[scored] = ns.rowid[row];
                exactSimilarity[scored++] = cosine(query, queryNorm, ns.floats, row * DIM);
            }
        } else {
            PreparedStatement ps = vectorsByRowid;
            if (ps == null) {
                ps = vectorsByRowid = connection.prepareStatement("WITH shortlist(seq) AS (SELECT value FROM json_each(?))"
                        + " SELECT m.seq, m.embedding FROM shortlist CROSS JOIN memories m ON m.seq = shortlist.seq");
            }
            ps.setString(1, rowidJson(i -> ns.rowid[heap.row(i)], n));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    FloatBuffer floats = Embeddings.view(rs.getBytes(2));
                    if (floats.remaining() != DIM) {
                        continue;
                    }
                    floats.get(vectorBuffer);
                    exactRowid[scored] = rs.getLong(1);
                    exactSimilarity[scored++] = cosine(query, queryNorm, vectorBuffer, 0);
                }
            }
        }
        sortBySimilarity(scored);
        String tag = f.hasTag() ? f.tag() : null;
        int next = 0;
        while (out.size() < k && next < scored) {
            int from = next;
            int to = Math.min(scored, next + (k - out.size()));
            next = to;
            PreparedStatement ps = fieldsStatement(f);
            int p = 1;
            ps.setString(p++, rowidJson(i -> exactRowid[order[from + i]], to - from));
            ps.setString(p++, namespace);
            if (f.hasKind()) {
                ps.setString(p++, f.kind());
            }
            if (f.hasMinConfidence()) {
                ps.setDouble(p, f.minConfidence());
            }
            int pos = from;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong(1);
                    while (exactRowid[order[pos]] != seq) {
                        pos++; // rows in between failed the re-check (changed since they were indexed)
                    }
                    String[] tags = TagsJson.decode(rs.getString(12));
                    if (tag != null && !TagsJson.contains(tags, tag)) {
                        continue;
                    }
                    int i = out.add(rs.getString(2), (float) exactSimilarity[order[pos]]);
                    out.createdAtMs[i] = rs.getLong(3);
                    out.lastUsedAtMs[i] = rs.getLong(4);
                    out.useCount[i] = rs.getInt(5);
                    out.successRate[i] = KnnSearch.nullableFloat(rs, 6);
                    out.confidence[i] = KnnSearch.nullableFloat(rs, 7);
                    out.cheapOutcome[i] = KnnSearch.nullableFloat(rs, 8);
                    out.strongOutcome[i] = KnnSearch.nullableFloat(rs, 9);
                    out.sessionId[i] = rs.getString(10);
                    out.kind[i] = MemoryKinds.canonical(rs.getString(11));
                    out.tags[i] = tags;
                }
            }
        }
        return out.size();
    }

    private PreparedStatement fieldsStatement(RetrievalFilter f) throws SQLException {
        int slot = (f.hasKind() ? KIND_BIT : 0) | (f.hasMinConfidence() ? CONFIDENCE_BIT : 0);
        PreparedStatement ps = fieldStatements[slot];
        if (ps == null) {
            ps = connection.prepareStatement(fieldsSql(f.hasKind(), f.hasMinConfidence()));
            fieldStatements[slot] = ps;
        }
        return ps;
    }

    static String fieldsSql(boolean byKind, boolean byConfidence) {
        // CROSS JOIN pins the loop order (each listed rowid is one primary-key lookup; the planner could
        // otherwise scan the namespace index), and ORDER BY key returns rows in the caller's order. The
        // filters are checked again on the current row, because the int8 copy may predate a re-upsert.
        return "WITH shortlist AS (SELECT key, value FROM json_each(?))"
                + " SELECT m.seq, m.id, m.created_at_ms, m.last_used_at_ms, m.use_count, m.success_rate,"
                + " m.confidence, m.cheap_outcome, m.strong_outcome, m.session_id, m.kind, m.tags"
                + " FROM shortlist CROSS JOIN memories m ON m.seq = shortlist.value"
                + " WHERE m.namespace = ?"
                + (byKind ? " AND m.kind = ?" : "")
                + (byConfidence ? " AND m.confidence >= ?" : "")
                + " ORDER BY shortlist.key";
    }

    private String rowidJson(java.util.function.IntToLongFunction rowid, int n) {
        rowidJson.setLength(0);
        rowidJson.append('[');
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                rowidJson.append(',');
            }
            rowidJson.append(rowid.applyAsLong(i));
        }
        return rowidJson.append(']').toString();
    }

    private void ensureRescoreCapacity(int n) {
        if (exactRowid.length < n) {
            exactRowid = new long[n];
            exactSimilarity = new double[n];
            order = new int[n];
        }
    }

    /** Fills {@link #order}[0, n) with indexes into the exact arrays, best similarity first. */
    private void sortBySimilarity(int n) {
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // Insertion sort from a heap-ordered start is quadratic in the worst case; a boxed sort allocates.
        // Sorting (similarity, index) pairs packed in longs keeps it O(n log n) and allocation-free.
        long[] keys = sortKeys.length >= n ? sortKeys : (sortKeys = new long[n]);
        for (int i = 0; i < n; i++) {
            // Larger similarity -> smaller key: flip the float's ordered bits, index in the low 32 bits.
            int bits = Float.floatToIntBits((float) exactSimilarity[i]);
            int ordered = bits >= 0 ? bits : bits ^ 0x7fffffff;
            keys[i] = ((long) ~ordered << 32) | i;
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < n; i++) {
            order[i] = (int) keys[i];
        }
    }

    private static double dot(float[] a, int offset, float[] b) {
        double s = 0;
        for (int i = 0; i < DIM; i++) {
            s += (double) a[offset + i] * b[i];
        }
        return s;
    }

    private static double cosine(float[] query, double queryNorm, float[] data, int offset) {
        double d = 0;
        double nn = 0;
        for (int i = 0; i < DIM; i++) {
            double x = data[offset + i];
            d += x * query[i];
            nn += x * x;
        }
        return nn == 0 || queryNorm == 0 ? 0 : d / (Math.sqrt(nn) * queryNorm);
    }

    /**
     * Appends rows committed since the last refresh to the namespaces already loaded (others load whole
     * on first use). Returns the number of rows appended.
     */
    public int refresh() {
        lastRefreshNanos = System.nanoTime();
        int added = 0;
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT seq, namespace, kind, confidence, tags, embedding FROM memories WHERE seq > ? ORDER BY seq")) {
            ps.setLong(1, watermark);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    long seq = rs.getLong(1);
                    watermark = Math.max(watermark, seq);
                    QuantizedNamespace ns = namespaces.get(rs.getString(2));
                    if (ns != null) {
                        ns.addStored(seq, rs.getString(3), KnnSearch.nullableFloat(rs, 4), rs.getString(5), rs.getBytes(6), vectorBuffer);
                        added++;
                    }
                }
            }
            return added;
        } catch (SQLException e) {
            throw failure("refreshing the index", e);
        }
    }

    /** The namespace's rows up to the watermark, or null when it has none. */
    private QuantizedNamespace load(String namespace) {
        try {
            return QuantizedNamespace.load(connection, namespace, watermark, settings.floatsInMemory(), vectorBuffer);
        } catch (SQLException e) {
            throw failure("loading namespace " + namespace, e);
        }
    }

    /** Closes the statements this index prepared; the store stays open. */
    public void close() {
        for (int i = 0; i < fieldStatements.length; i++) {
            closeQuietly(fieldStatements[i]);
            fieldStatements[i] = null;
        }
        closeQuietly(vectorsByRowid);
        vectorsByRowid = null;
    }

    private static void closeQuietly(PreparedStatement ps) {
        if (ps != null) {
            try {
                ps.close();
            } catch (SQLException e) {
                // closing a statement of a healthy connection does not fail; nothing to recover
            }
        }
    }

    private MemoryStoreException failure(String what, SQLException e) {
        return new MemoryStoreException(what + " failed on memory store " + store.file() + ": " + e.getMessage(), e);
    }

}
