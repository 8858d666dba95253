package org.agentrouter.memory.kernels;

/**
 * 4-bit codes of a vector (issue 8's first pass): one scale per vector, {@code max |x_i| / 7}, and each
 * component rounded to v in [-7, 7], stored as the nibble u = v + 8 in [1, 15], two per byte, so a row of
 * {@code dim} components takes {@link #rowBytes}{@code (dim)} = ceil(dim / 2) bytes (192 at 384-d, half the
 * int8 codes).
 *
 * <p>Layout, chosen so that a kernel reading 32 bytes as 16 little-endian shorts gets four vectors of 16
 * <em>contiguous</em> components by shifting and masking, with no shuffle and no permutation of the query:
 * the first {@code dim - dim % 64} components form chunks of 64; chunk c takes bytes [32c, 32c + 32) of the
 * row, and short j of it (bytes 32c + 2j and 32c + 2j + 1) holds component 64c + 16p + j in its bits
 * [4p, 4p + 4), p = 0..3. The last {@code dim % 64} components (none at 384-d) follow two per byte, the even
 * one in the low nibble.
 */
public final class Int4Codes {
    /** Components per chunk of 32 bytes. */
    public static final int CHUNK = 64;
    /** The nibble stored for v is v + OFFSET. */
    public static final int OFFSET = 8;
    public static final int MAX_LEVEL = 7;

    private Int4Codes() {}

    public static int rowBytes(int dim) {
        return (dim + 1) / 2;
    }

    /**
     * Quantizes {@code v} into row bytes [offset, offset + rowBytes(dim)) of {@code out}; returns the scale
     * (x_i ~= level_i * scale; 0 for a zero vector, whose levels are all 0).
     */
    public static float quantize(float[] v, byte[] out, int offset, int dim) {
        float max = 0f;
        for (int i = 0; i < dim; i++) {
            max = Math.max(max, Math.abs(v[i]));
        }
        float inv = max == 0f ? 0f : MAX_LEVEL / max;
        int vectorDim = dim - dim % CHUNK;
        // Chunk by chunk as the layout says (see the class comment; position() spells it out per component).
        for (int c = 0; c < vectorDim; c += CHUNK) {
            int b = offset + c / 2;
            for (int j = 0; j < 16; j++) {
                out[b + 2 * j] = (byte) (nibble(v[c + j], inv) | nibble(v[c + 16 + j], inv) << 4);
                out[b + 2 * j + 1] = (byte) (nibble(v[c + 32 + j], inv) | nibble(v[c + 48 + j], inv) << 4);
            }
        }
        for (int i = vectorDim; i < dim; i += 2) {
            int high = i + 1 < dim ? nibble(v[i + 1], inv) : 0;
            out[offset + vectorDim / 2 + (i - vectorDim) / 2] = (byte) (nibble(v[i], inv) | high << 4);
        }
        return max / MAX_LEVEL;
    }

    /** The nibble (level + OFFSET) of component x. */
    private static int nibble(float x, float inv) {
        return Math.max(-MAX_LEVEL, Math.min(MAX_LEVEL, Math.round(x * inv))) + OFFSET;
    }

    /** Byte index (relative to the row) and bit shift of component i. */
    private static int position(int dim, int i) {
        int vectorDim = dim - dim % CHUNK;
        if (i < vectorDim) {
            int c = i / CHUNK;
            int within = i % CHUNK;
            int p = within / 16;
            int j = within % 16;
            // Short j of the chunk: bytes 2j (bits 0-7, nibbles p = 0, 1) and 2j + 1 (bits 8-15, p = 2, 3).
            int byteIndex = 32 * c + 2 * j + (p >> 1);
            return (byteIndex << 3) | ((p & 1) << 2);
        }
        int t = i - vectorDim;
        return ((vectorDim / 2 + t / 2) << 3) | ((t & 1) << 2);
    }

    /** The level in [-8, 7] of component i of the row at {@code offset}. */
    public static int level(byte[] codes, int offset, int dim, int i) {
        int pos = position(dim, i);
        return ((codes[offset + (pos >>> 3)] >> (pos & 7)) & 0xF) - OFFSET;
    }
}
