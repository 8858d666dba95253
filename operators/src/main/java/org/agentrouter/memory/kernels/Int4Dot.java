package org.agentrouter.memory.kernels;

/**
 * Dot products of {@link Int4Codes} rows with an int8 query held as shorts in [-127, 127] (the query's
 * components in their natural order: the layout needs no permutation). {@link #best()} picks the native AVX2
 * kernel where it loads, else the Vector API kernel when the module is present, else this interface's
 * plain-Java default; all three give the same integers.
 */
public interface Int4Dot {
    /**
     * {@code out[r - from]} = sum over i of level_i(row r) * query[i], for rows r in [from, to) of a matrix of
     * {@link Int4Codes} rows of {@code dim} components ({@link Int4Codes#rowBytes} bytes each, row r at
     * {@code r * rowBytes}).
     */
    default void dotRows(byte[] codes, int from, int to, short[] query, int dim, int[] out) {
        int rowBytes = Int4Codes.rowBytes(dim);
        int vectorDim = dim - dim % Int4Codes.CHUNK;
        for (int r = from; r < to; r++) {
            int o = r * rowBytes;
            int s = 0;
            for (int c = 0; c < vectorDim; c += Int4Codes.CHUNK) {
                int b = o + c / 2;
                for (int j = 0; j < 16; j++) {
                    int lo = codes[b + 2 * j];
                    int hi = codes[b + 2 * j + 1];
                    s += ((lo & 0xF) - Int4Codes.OFFSET) * query[c + j]
                            + (((lo >> 4) & 0xF) - Int4Codes.OFFSET) * query[c + 16 + j]
                            + ((hi & 0xF) - Int4Codes.OFFSET) * query[c + 32 + j]
                            + (((hi >> 4) & 0xF) - Int4Codes.OFFSET) * query[c + 48 + j];
                }
            }
            s += tail(codes, o, vectorDim, query, dim);
            out[r - from] = s;
        }
    }

    /**
     * {@code out[i]} = the dot product of row {@code rows[i]} with the query, for i in [0, n): the filtered
     * scan's path, over the rows that pass the filter.
     */
    default void dotRowList(byte[] codes, int[] rows, int n, short[] query, int dim, int[] out) {
        int[] one = new int[1];
        for (int i = 0; i < n; i++) {
            dotRows(codes, rows[i], rows[i] + 1, query, dim, one);
            out[i] = one[0];
        }
    }

    /** The components past the last full chunk, two per byte. */
    public static int tail(byte[] codes, int rowOffset, int vectorDim, short[] query, int dim) {
        int s = 0;
        int b = rowOffset + vectorDim / 2;
        for (int i = vectorDim; i < dim; i++) {
            int t = i - vectorDim;
            int nibble = (codes[b + t / 2] >> ((t & 1) << 2)) & 0xF;
            s += (nibble - Int4Codes.OFFSET) * query[i];
        }
        return s;
    }

    String name();

    /**
     * Rows per {@link #dotRows} call in a full scan: 256 (1 KB of dots, in L1 for the heap pass that follows)
     * unless a call has a fixed cost worth spreading, as the native kernel's has.
     */
    default int rowsPerCall() {
        return 256;
    }

    /**
     * The native AVX2 kernel when its library loads on this CPU ({@link NativeInt4Dot}), else the Vector API
     * kernel when the module is present and 256-bit integer vectors exist, else plain Java.
     */
    public static Int4Dot best() {
        Int4Dot nativeKernel = NativeInt4Dot.createIfSupported();
        if (nativeKernel != null) {
            return nativeKernel;
        }
        return javaBest();
    }

    /** The best kernel written in Java: the Vector API one when the module is present, else plain Java. */
    public static Int4Dot javaBest() {
        Int4Dot kernel = VectorApiKernels.create("VectorInt4Dot", Int4Dot.class);
        return kernel != null ? kernel : scalar();
    }

    public static Int4Dot scalar() {
        return () -> "scalar";
    }
}
