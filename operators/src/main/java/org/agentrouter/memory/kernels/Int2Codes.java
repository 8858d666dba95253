package org.agentrouter.memory.kernels;

/**
 * 2-bit codes of a vector for the index's coarse pass (issue 8): the vector is scaled to unit length and each
 * component x gets the code c = clamp(floor(x * sqrt(dim) + 2), 0, 3), which stands for (c - 1.5) / sqrt(dim).
 * That is a uniform 4-level quantizer whose step is the spread of a random unit vector's components (the best
 * uniform step for a Gaussian is 0.996 of its spread), and one scale for every row: the dot product of the codes
 * with a query ranks rows by approximate cosine with no per-row multiply. 96 bytes per 384-d row.
 *
 * <p>Layout, chosen (as {@link Int4Codes}') so that a kernel reading 32 bytes as 16 little-endian shorts gets
 * eight vectors of 16 contiguous components by shifting and masking: the first {@code dim - dim % 128}
 * components form chunks of 128; chunk c takes bytes [32c, 32c + 32) of the row, and short j of it holds
 * component 128c + 16p + j in its bits [2p, 2p + 2), p = 0..7. The last {@code dim % 128} components (none at
 * 384-d) follow four per byte, component t of them in bits [2(t % 4), 2(t % 4) + 2) of byte t / 4.
 */
public final class Int2Codes {
    /** Components per chunk of 32 bytes. */
    public static final int CHUNK = 128;
    /** A code c stands for (c - CENTER) steps. */
    public static final double CENTER = 1.5;

    private Int2Codes() {}

    public static int rowBytes(int dim) {
        return (dim + 3) / 4;
    }

    /** Writes the codes of {@code v} into row bytes [offset, offset + rowBytes(dim)) of {@code out}. */
    public static void quantize(float[] v, byte[] out, int offset, int dim) {
        double norm = 0;
        for (int i = 0; i < dim; i++) norm += (double) v[i] * v[i];
        norm = Math.sqrt(norm);
        // Components in steps of 1/sqrt(dim) of the unit vector; a zero vector gets code 2 everywhere.
        double perStep = norm == 0 ? 0 : Math.sqrt(dim) / norm;
        java.util.Arrays.fill(out, offset, offset + rowBytes(dim), (byte) 0);
        for (int i = 0; i < dim; i++) {
            int c = (int) Math.max(0, Math.min(3, Math.floor(v[i] * perStep + 2)));
            int pos = position(dim, i);
            out[offset + (pos >>> 3)] |= (byte) (c << (pos & 7));
        }
    }

    /** Byte index (relative to the row) and bit shift of component i, as {@code byte << 3 | shift}. */
    public static int position(int dim, int i) {
        int vectorDim = dim - dim % CHUNK;
        if (i < vectorDim) {
            int c = i / CHUNK;
            int within = i % CHUNK;
            int p = within / 16;
            int j = within % 16;
            // Short j of the chunk: byte 2j holds p = 0..3 (bits 0-7 of the short), byte 2j + 1 holds p = 4..7.
            int byteIndex = 32 * c + 2 * j + (p >> 2);
            return (byteIndex << 3) | ((p & 3) << 1);
        }
        int t = i - vectorDim;
        return ((vectorDim / 4 + t / 4) << 3) | ((t & 3) << 1);
    }

    /** The code in [0, 3] of component i of the row at {@code offset}. */
    public static int code(byte[] codes, int offset, int dim, int i) {
        int pos = position(dim, i);
        return (codes[offset + (pos >>> 3)] >> (pos & 7)) & 3;
    }
}
