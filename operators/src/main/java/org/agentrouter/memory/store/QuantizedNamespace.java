package org.agentrouter.memory.store;

import java.nio.FloatBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.agentrouter.wire.Embeddings;

import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.kernels.Int8Codes;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.store.QuantizedIndex;
/**
 * The memory-resident coarse copy of one namespace: every vector as int8 codes in one contiguous array
 * (row i at {@code i * dim}), with a per-row scale, the store's rowid and the attributes the filters test
 * (kind, confidence, tags), so a filter skips rows inside the scan instead of cutting k rows afterwards.
 * Rows are only appended; see {@link QuantizedIndex} for how they reach it.
 */
public final class QuantizedNamespace {
    public static final byte KIND_EPISODE = MemoryKinds.CODE_EPISODE;
    public static final byte KIND_SKILL = MemoryKinds.CODE_SKILL;
    public static final byte KIND_PATTERN = MemoryKinds.CODE_PATTERN;
    /** Bytes per row besides the codes: scale (4), rowid (8), kind (1), confidence (4). */
    public static final int FIXED_BYTES_PER_ROW = 4 + 8 + 1 + 4;

    final int dim;
    int size;
    byte[] codes;
    /** max |x_i| / 127 of the row: x_i ~= codes[i] * scale. */
    float[] scale;
    long[] rowid;
    byte[] kind;
    /** {@link MemoryKinds#UNKNOWN_CONFIDENCE} when unknown, so no minimum passes it (as in vec0). */
    float[] confidence;
    /** The float vectors too (row i at {@code i * dim}) when the index rescores from memory; else null. */
    float[] floats;
    /** tag -> rows carrying it. */
    final Map<String, BitSet> tagRows = new HashMap<>();

    QuantizedNamespace(int dim, int initialCapacity, boolean keepFloats) {
        this.dim = dim;
        int cap = Math.max(16, initialCapacity);
        floats = keepFloats ? new float[cap * dim] : null;
        codes = new byte[cap * dim];
        scale = new float[cap];
        rowid = new long[cap];
        kind = new byte[cap];
        confidence = new float[cap];
    }

    public static byte kindCode(String kind) {
        return MemoryKinds.code(kind);
    }

    void add(long id, String kindName, float conf, String[] tags, float[] v) {
        if (size == scale.length) {
            grow();
        }
        int row = size++;
        quantize(v, codes, row * dim, dim, scale, row);
        if (floats != null) {
            System.arraycopy(v, 0, floats, row * dim, dim);
        }
        rowid[row] = id;
        kind[row] = kindCode(kindName);
        confidence[row] = Float.isNaN(conf) ? MemoryKinds.UNKNOWN_CONFIDENCE : conf;
        for (String t : tags) {
            tagRows.computeIfAbsent(t, x -> new BitSet()).set(row);
        }
    }

    public static void quantize(float[] v, byte[] out, int offset, int dim, float[] scales, int scaleIndex) {
        Int8Codes.quantize(v, out, offset, dim, scales, scaleIndex);
    }

    /** The namespace's rows in the store up to rowid {@code watermark}, or null when it has none. */
    static QuantizedNamespace load(Connection connection, String namespace, long watermark, boolean keepFloats,
                                   float[] vectorBuffer) throws SQLException {
        int count;
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT count(*) FROM memories WHERE namespace = ? AND seq <= ?")) {
            ps.setString(1, namespace);
            ps.setLong(2, watermark);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                count = rs.getInt(1);
            }
        }
        if (count == 0) {
            return null;
        }
        QuantizedNamespace ns = new QuantizedNamespace(Embeddings.DIM, count, keepFloats);
        try (PreparedStatement ps = connection.prepareStatement("SELECT seq, kind, confidence, tags, embedding"
                + " FROM memories WHERE namespace = ? AND seq <= ? ORDER BY seq")) {
            ps.setString(1, namespace);
            ps.setLong(2, watermark);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ns.addStored(rs.getLong(1), rs.getString(2), KnnSearch.nullableFloat(rs, 3), rs.getString(4),
                            rs.getBytes(5), vectorBuffer);
                }
            }
        }
        return ns;
    }

    /** Appends a stored row; one whose vector is not DIM floats is skipped (the store refuses such rows on write). */
    void addStored(long seq, String kind, float confidence, String tagsJson, byte[] blob, float[] vectorBuffer) {
        FloatBuffer floats = Embeddings.view(blob);
        if (floats.remaining() != Embeddings.DIM) {
            return; // skip rather than fail every search
        }
        floats.get(vectorBuffer);
        add(seq, kind, confidence, TagsJson.decode(tagsJson), vectorBuffer);
    }

    private void grow() {
        int cap = scale.length + (scale.length >> 1);
        codes = Arrays.copyOf(codes, cap * dim);
        if (floats != null) {
            floats = Arrays.copyOf(floats, cap * dim);
        }
        scale = Arrays.copyOf(scale, cap);
        rowid = Arrays.copyOf(rowid, cap);
        kind = Arrays.copyOf(kind, cap);
        confidence = Arrays.copyOf(confidence, cap);
    }

    /** Heap bytes held (allocated capacity, tag bitsets included). */
    long bytes() {
        long b = (long) codes.length + (floats == null ? 0L : 4L * floats.length) + 4L * scale.length + 8L * rowid.length + kind.length + 4L * confidence.length;
        for (BitSet bits : tagRows.values()) {
            b += bits.size() / 8;
        }
        return b;
    }
}
