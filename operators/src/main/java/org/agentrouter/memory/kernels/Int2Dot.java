package org.agentrouter.memory.kernels;

/**
 * Dot products of {@link Int2Codes} rows with an int8 query held as shorts in [-127, 127]: the sum of code *
 * query component, codes in [0, 3] (the offset of 1.5 steps is the same for every row, so it does not change
 * the ranking and no kernel applies it). {@link #best()} picks the native AVX2 kernel where it loads, else the
 * Vector API kernel when the module is present, else this interface's plain-Java default; all give the same
 * integers.
 */
public interface Int2Dot {
    /** {@code out[r - from]} = the dot product of row r with the query, for rows r in [from, to). */
    default void dotRows(byte[] codes, int from, int to, short[] query, int dim, int[] out) {
        int rowBytes = Int2Codes.rowBytes(dim);
        int vectorDim = dim - dim % Int2Codes.CHUNK;
        for (int r = from; r < to; r++) {
            int o = r * rowBytes;
            int s = 0;
            for (int c = 0; c < vectorDim; c += Int2Codes.CHUNK) {
                int b = o + c / 4;
                for (int j = 0; j < 16; j++) {
                    int lanes = (codes[b + 2 * j] & 0xFF) | (codes[b + 2 * j + 1] & 0xFF) << 8;
                    for (int p = 0; p < 8; p++) {
                        s += ((lanes >> (2 * p)) & 3) * query[c + 16 * p + j];
                    }
                }
            }
            out[r - from] = s + tail(codes, o, vectorDim, query, dim);
        }
    }

    /** {@code out[i]} = the dot product of row {@code rows[i]} with the query, for i in [0, n). */
    default void dotRowList(byte[] codes, int[] rows, int n, short[] query, int dim, int[] out) {
        int[] one = new int[1];
        for (int i = 0; i < n; i++) {
            dotRows(codes, rows[i], rows[i] + 1, query, dim, one);
            out[i] = one[0];
        }
    }

    /** The components past the last full chunk, four per byte. */
    public static int tail(byte[] codes, int rowOffset, int vectorDim, short[] query, int dim) {
        int s = 0;
        int b = rowOffset + vectorDim / 4;
        for (int i = vectorDim; i < dim; i++) {
            int t = i - vectorDim;
            s += ((codes[b + t / 4] >> ((t & 3) << 1)) & 3) * query[i];
        }
        return s;
    }

    String name();

    /** Rows per {@link #dotRows} call in a full scan (see {@link Int4Dot#rowsPerCall}). */
    default int rowsPerCall() {
        return 256;
    }

    /** The native AVX2 kernel where it loads, else the best Java kernel. */
    public static Int2Dot best() {
        Int2Dot nativeKernel = NativeInt2Dot.createIfSupported();
        return nativeKernel != null ? nativeKernel : javaBest();
    }

    /** The Vector API kernel when the module is present and 256-bit vectors exist, else plain Java. */
    public static Int2Dot javaBest() {
        Int2Dot kernel = VectorApiKernels.create("VectorInt2Dot", Int2Dot.class);
        return kernel != null ? kernel : scalar();
    }

    public static Int2Dot scalar() {
        return () -> "scalar";
    }
}
