package org.agentrouter.memory;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The memory-resident coarse copy of one namespace: every vector as int8 codes in one contiguous array
 * (row i at {@code i * dim}), with a per-row scale, the store's rowid and the attributes the filters test
 * (kind, confidence, tags), so a filter skips rows inside the scan instead of cutting k rows afterwards.
 * Rows are only appended; see {@link QuantizedIndex} for how they reach it.
 */
final class QuantizedNamespace {
    static final byte KIND_EPISODE = 0;
    static final byte KIND_SKILL = 1;
    static final byte KIND_PATTERN = 2;
    /** Bytes per row besides the codes: scale (4), rowid (8), kind (1), confidence (4). */
    static final int FIXED_BYTES_PER_ROW = 4 + 8 + 1 + 4;

    final int dim;
    int size;
    byte[] codes;
    /** max |x_i| / 127 of the row: x_i ~= codes[i] * scale. */
    float[] scale;
    long[] rowid;
    byte[] kind;
    /** {@link MemorySchema#UNKNOWN_CONFIDENCE} when unknown, so no minimum passes it (as in vec0). */
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

    static byte kindCode(String kind) {
        return switch (kind) {
            case MemoryRecord.SKILL -> KIND_SKILL;
            case MemoryRecord.PATTERN -> KIND_PATTERN;
            default -> KIND_EPISODE;
        };
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
        confidence[row] = Float.isNaN(conf) ? MemorySchema.UNKNOWN_CONFIDENCE : conf;
        for (String t : tags) {
            tagRows.computeIfAbsent(t, x -> new BitSet()).set(row);
        }
    }

    /** Symmetric int8 quantization with one scale per vector: keeps the direction within ~0.4% per component. */
    static void quantize(float[] v, byte[] out, int offset, int dim, float[] scales, int scaleIndex) {
        float max = 0f;
        for (int i = 0; i < dim; i++) {
            max = Math.max(max, Math.abs(v[i]));
        }
        float s = max / 127f;
        float inv = max == 0f ? 0f : 127f / max;
        for (int i = 0; i < dim; i++) {
            out[offset + i] = (byte) Math.round(v[i] * inv);
        }
        scales[scaleIndex] = s;
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
