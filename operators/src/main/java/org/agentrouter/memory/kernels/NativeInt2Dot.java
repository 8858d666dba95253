package org.agentrouter.memory.kernels;

/**
 * {@link Int2Dot} in C on AVX2's {@code vpmaddubsw} ({@link NativeKernels}): four multiply-adds of 32 bytes per
 * chunk of 128 components where {@link VectorInt2Dot} needs eight 16-bit multiplies and adds. Exact, like the
 * other kernels. {@link #createIfSupported()} returns null where the library does not load.
 */
public final class NativeInt2Dot implements Int2Dot {
    private NativeInt2Dot() {}

    public static Int2Dot createIfSupported() {
        return NativeKernels.LOADED ? new NativeInt2Dot() : null;
    }

    @Override
    public void dotRows(byte[] codes, int from, int to, short[] query, int dim, int[] out) {
        int rowBytes = NativeKernels.checkRows(codes, Int2Codes.rowBytes(dim), from, to, query, dim, out);
        if (to == from) return;
        NativeKernels.status(dot0(codes, codes.length / rowBytes, from, to, null, 0, query, dim, out), "2-bit");
    }

    @Override
    public void dotRowList(byte[] codes, int[] rows, int n, short[] query, int dim, int[] out) {
        NativeKernels.checkList(rows, n, query, dim, out);
        if (n == 0) return;
        NativeKernels.status(dot0(codes, codes.length / Int2Codes.rowBytes(dim), 0, 0, rows, n, query, dim, out), "2-bit");
    }

    @Override
    public String name() {
        return "native-avx2-int2";
    }

    /** As {@link NativeInt4Dot#rowsPerCall}: spreads the call's fixed cost (pinning, the query's permutation). */
    @Override
    public int rowsPerCall() {
        return 4096;
    }

    private static native int dot0(byte[] codes, int rowCount, int from, int to, int[] rows, int n, short[] query,
                                   int dim, int[] out);
}
