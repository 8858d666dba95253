package org.agentrouter.memory.kernels;

/**
 * {@link Int4Dot} in C on AVX2's {@code vpmaddubsw} ({@link NativeKernels}): about half the instructions per row
 * of {@link VectorInt4Dot}, which the JDK 17 Vector API cannot express (BENCHMARKS.md, "Native 4-bit kernel").
 * Exact, like the other kernels. {@link #createIfSupported()} returns null where the library does not load.
 */
public final class NativeInt4Dot implements Int4Dot {
    private NativeInt4Dot() {}

    public static Int4Dot createIfSupported() {
        return NativeKernels.LOADED ? new NativeInt4Dot() : null;
    }

    @Override
    public void dotRows(byte[] codes, int from, int to, short[] query, int dim, int[] out) {
        int rowBytes = NativeKernels.checkRows(codes, Int4Codes.rowBytes(dim), from, to, query, dim, out);
        if (to == from) return;
        NativeKernels.status(dot0(codes, codes.length / rowBytes, from, to, null, 0, query, dim, out), "4-bit");
    }

    @Override
    public void dotRowList(byte[] codes, int[] rows, int n, short[] query, int dim, int[] out) {
        NativeKernels.checkList(rows, n, query, dim, out);
        if (n == 0) return;
        NativeKernels.status(dot0(codes, codes.length / Int4Codes.rowBytes(dim), 0, 0, rows, n, query, dim, out), "4-bit");
    }

    @Override
    public String name() {
        return "native-avx2-int4";
    }

    /**
     * Each call pins its arrays and permutes the query (~1.7 us): at 256 rows per call that was 0.7 ms of a
     * 2.4 ms pass over 100k rows; at 4,096 rows (16 KB of dots, still in L1) it is 0.04 ms.
     */
    @Override
    public int rowsPerCall() {
        return 4096;
    }

    private static native int dot0(byte[] codes, int rowCount, int from, int to, int[] rows, int n, short[] query,
                                   int dim, int[] out);
}
