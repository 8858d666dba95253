package org.agentrouter.memory.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

import org.agentrouter.wire.Embeddings;
/**
 * The 4-bit codes and both 4-bit kernels against a reference written here from {@link Int4Codes#level}
 * (long arithmetic): any wrong nibble, lane, chunk, group, row offset or tail changes an exact integer.
 */
class Int4DotTest {
    private static final int[] DIMS = {Embeddings.DIM, 64, 128, 1, 5, 17, 63, 65, 100, 449, 512, 513, 576, 1000};

    private static Int4Dot vectorKernel() {
        // surefire's argLine adds the module; without it this test would compare the fallback with itself.
        assertTrue(Int8Dot.vectorApiPresent(), "run with --add-modules jdk.incubator.vector");
        Int4Dot vector = Int4Dot.javaBest();
        assertEquals("vector-api-int4", vector.name());
        return vector;
    }

    /** True where the build must have produced and loaded the native kernel: x86-64 Linux with AVX2 and gcc. */
    private static boolean nativeExpected() throws Exception {
        if (!System.getProperty("os.name").startsWith("Linux") || !System.getProperty("os.arch").equals("amd64")) return false;
        boolean avx2 = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/cpuinfo")).contains(" avx2");
        boolean gcc = new ProcessBuilder("sh", "-c", "command -v gcc").start().waitFor() == 0;
        return avx2 && gcc;
    }

    /** All kernels this machine has: the native one where it loads, the Vector API one, plain Java. */
    private static Int4Dot[] kernels() {
        Int4Dot nativeKernel = NativeInt4Dot.createIfSupported();
        return nativeKernel == null ? new Int4Dot[] {vectorKernel(), Int4Dot.scalar()}
                : new Int4Dot[] {nativeKernel, vectorKernel(), Int4Dot.scalar()};
    }

    /** So that a build that silently lost the native kernel (no library in the jar, a failed load) fails here. */
    @Test
    void theNativeKernelIsBuiltAndChosenWhereTheMachineSupportsIt() throws Exception {
        if (!nativeExpected()) return; // other platforms use the Java kernels, tested below
        assertTrue(NativeKernels.class.getClassLoader().getResource(NativeKernels.RESOURCE) != null,
                NativeKernels.RESOURCE + " missing from the classes: the Maven build's build-native-kernels step");
        assertEquals("native-avx2-int4", Int4Dot.best().name());
        assertEquals("native-avx2-int2", Int2Dot.best().name());
    }

    @Test
    void theNativeKernelChecksItsArgumentsBeforeTouchingAnArray() {
        Int4Dot k = NativeInt4Dot.createIfSupported();
        if (k == null) return;
        int dim = Embeddings.DIM;
        byte[] codes = new byte[3 * Int4Codes.rowBytes(dim)];
        short[] q = new short[dim];
        int[] out = new int[4];
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> k.dotRows(codes, 0, 4, q, dim, out));
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class, () -> k.dotRows(codes, 0, 3, q, dim, new int[2]));
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> k.dotRowList(codes, new int[] {0, 3}, 2, q, dim, out));
        org.junit.jupiter.api.Assertions.assertThrows(IndexOutOfBoundsException.class,
                () -> k.dotRowList(codes, new int[] {-1}, 1, q, dim, out));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> k.dotRows(codes, 0, 1, new short[10], dim, out));
    }

    private static long reference(byte[] codes, int row, short[] query, int dim) {
        int o = row * Int4Codes.rowBytes(dim);
        long s = 0;
        for (int i = 0; i < dim; i++) s += (long) Int4Codes.level(codes, o, dim, i) * query[i];
        return s;
    }

    @Test
    void dotRowsAndRowListsEqualTheReference() {
        Random rnd = new Random(12);
        for (Int4Dot kernel : kernels()) {
            for (int dim : DIMS) {
                int rows = 23;
                int rowBytes = Int4Codes.rowBytes(dim);
                byte[] codes = new byte[rows * rowBytes];
                rnd.nextBytes(codes); // any nibble: levels in [-8, 7]
                short[] query = new short[dim];
                for (int i = 0; i < dim; i++) query[i] = (short) (rnd.nextInt(255) - 127);
                // The extremes for the 16-bit lanes: row 2 all level -8 against a query of -127 (every lane at
                // +8 * 127 per component, 4 components per chunk, up to 8 chunks per group: 32,512), row 3 all
                // level 7 against the same query, row 4 all level -8 against alternating signs.
                short[] extreme = query.clone();
                Arrays.fill(extreme, (short) -127);
                Arrays.fill(codes, 2 * rowBytes, 3 * rowBytes, (byte) 0x00);
                Arrays.fill(codes, 3 * rowBytes, 4 * rowBytes, (byte) 0xFF);
                Arrays.fill(codes, 4 * rowBytes, 5 * rowBytes, (byte) 0x00);
                for (short[] q : new short[][] {query, extreme}) {
                    for (int[] range : new int[][] {{0, rows}, {1, 22}, {3, 8}, {5, 6}, {7, 7}, {19, 23}}) {
                        int from = range[0];
                        int to = range[1];
                        int[] out = new int[to - from + 1];
                        out[to - from] = 424242; // past the block: must stay untouched
                        kernel.dotRows(codes, from, to, q, dim, out);
                        for (int r = from; r < to; r++) {
                            assertEquals(reference(codes, r, q, dim), out[r - from],
                                    kernel.name() + " dim " + dim + " rows [" + from + ", " + to + ") row " + r);
                        }
                        assertEquals(424242, out[to - from], kernel.name() + " wrote past the block");
                    }
                    int[] list = {22, 0, 4, 3, 3, 17, 2};
                    int[] out = new int[list.length + 1];
                    out[list.length] = 424242;
                    kernel.dotRowList(codes, list, list.length, q, dim, out);
                    for (int i = 0; i < list.length; i++) {
                        assertEquals(reference(codes, list[i], q, dim), out[i], kernel.name() + " dim " + dim + " list " + i);
                    }
                    assertEquals(424242, out[list.length], kernel.name() + " wrote past the list");
                }
                assertEquals(8L * 127 * dim, reference(codes, 2, extreme, dim));
            }
        }
    }

    @Test
    void quantizeKeepsEveryComponentWithinHalfAStep() {
        Random rnd = new Random(3);
        for (int dim : DIMS) {
            float[] v = new float[dim];
            for (int i = 0; i < dim; i++) v[i] = (float) rnd.nextGaussian();
            byte[] codes = new byte[Int4Codes.rowBytes(dim) + 2];
            codes[0] = 0x5A; // the bytes around the row stay as they were
            codes[codes.length - 1] = 0x5A;
            float scale = Int4Codes.quantize(v, codes, 1, dim);
            assertEquals(0x5A, codes[0]);
            assertEquals(0x5A, codes[codes.length - 1]);
            float max = 0;
            for (float x : v) max = Math.max(max, Math.abs(x));
            assertEquals(max / 7, scale, 1e-6f * max);
            for (int i = 0; i < dim; i++) {
                int level = Int4Codes.level(codes, 1, dim, i);
                assertTrue(level >= -7 && level <= 7, "level " + level);
                assertEquals(v[i], level * scale, scale / 2 * 1.0001f, "dim " + dim + " component " + i);
            }
        }
        byte[] zero = new byte[Int4Codes.rowBytes(5)];
        assertEquals(0f, Int4Codes.quantize(new float[5], zero, 0, 5));
        for (int i = 0; i < 5; i++) assertEquals(0, Int4Codes.level(zero, 0, 5, i));
    }

    /** The layout the vector kernel relies on: short j of chunk c holds component 64c + 16p + j in bits [4p, 4p + 4). */
    @Test
    void layoutPutsFourRunsOfSixteenContiguousComponentsInEachShort() {
        int dim = Embeddings.DIM;
        float[] v = new float[dim];
        Random rnd = new Random(4);
        for (int i = 0; i < dim; i++) v[i] = (float) rnd.nextGaussian();
        byte[] codes = new byte[Int4Codes.rowBytes(dim)];
        assertEquals(192, codes.length);
        Int4Codes.quantize(v, codes, 0, dim);
        for (int c = 0; c < dim / 64; c++) {
            for (int j = 0; j < 16; j++) {
                int shortValue = (codes[32 * c + 2 * j] & 0xFF) | (codes[32 * c + 2 * j + 1] & 0xFF) << 8;
                for (int p = 0; p < 4; p++) {
                    assertEquals(Int4Codes.level(codes, 0, dim, 64 * c + 16 * p + j) + Int4Codes.OFFSET,
                            (shortValue >> (4 * p)) & 0xF);
                }
            }
        }
    }
}
