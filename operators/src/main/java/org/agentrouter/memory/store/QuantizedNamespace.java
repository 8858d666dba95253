package org.agentrouter.memory.store;

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
