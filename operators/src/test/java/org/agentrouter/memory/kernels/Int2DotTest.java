package org.agentrouter.memory.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

import org.agentrouter.wire.Embeddings;
/**
 * The 2-bit codes and every 2-bit kernel against a reference written here from {@link Int2Codes#code} (long
 * arithmetic): any wrong code, lane, chunk, group, row offset, four-row block or tail changes an exact integer.
 */
class Int2DotTest {
    /** 384 (the job's), chunk edges, four-per-byte tails, and rows of more than one 10-chunk group (1,280+). */
    private static final int[] DIMS = {Embeddings.DIM, 128, 256, 1, 3, 5, 17, 127, 129, 130, 131, 500, 1280, 1281, 1407, 2600};

    /** All kernels this machine has: the native one where it loads, the Vector API one, plain Java. */
    private static Int2Dot[] kernels() {
        assertTrue(Int8Dot.vectorApiPresent(), "run with --add-modules jdk.incubator.vector");
        Int2Dot vector = Int2Dot.javaBest();
        assertEquals("vector-api-int2", vector.name());
        Int2Dot nativeKernel = NativeInt2Dot.createIfSupported();
        return nativeKernel == null ? new Int2Dot[] {vector, Int2Dot.scalar()}
                : new Int2Dot[] {nativeKernel, vector, Int2Dot.scalar()};
    }

    @Test
    void theNativeKernelIsChosenWhereTheLibraryLoads() {
        // Int4DotTest fails the build where the library should have been built and loaded but was not.
        if (NativeKernels.LOADED) assertEquals("native-avx2-int2", Int2Dot.best().name());
        else assertEquals(Int2Dot.javaBest().name(), Int2Dot.best().name());
    }

    @Test
    void theNativeKernelChecksItsArgumentsBeforeTouchingAnArray() {
        Int2Dot k = NativeInt2Dot.createIfSupported();
        if (k == null) return;
        int dim = Embeddings.DIM;
        byte[] codes = new byte[3 * Int2Codes.rowBytes(dim)];
        short[] q = new short[dim];
        int[] out = new int[4];
        assertThrows(IndexOutOfBoundsException.class, () -> k.dotRows(codes, 0, 4, q, dim, out));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dotRows(codes, 0, 3, q, dim, new int[2]));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dotRowList(codes, new int[] {0, 3}, 2, q, dim, out));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dotRowList(codes, new int[] {-1}, 1, q, dim, out));
        assertThrows(IndexOutOfBoundsException.class, () -> k.dotRowList(codes, new int[] {0}, 2, q, dim, out));
        assertThrows(IllegalArgumentException.class, () -> k.dotRows(codes, 0, 1, new short[10], dim, out));
    }

    private static long reference(byte[] codes, int row, short[] query, int dim) {
        int o = row * Int2Codes.rowBytes(dim);
        long s = 0;
        for (int i = 0; i < dim; i++) s += (long) Int2Codes.code(codes, o, dim, i) * query[i];
        return s;
    }

    @Test
    void dotRowsAndRowListsEqualTheReference() {
        Random rnd = new Random(22);
        for (Int2Dot kernel : kernels()) {
            for (int dim : DIMS) {
                int rows = 23;
                int rowBytes = Int2Codes.rowBytes(dim);
                byte[] codes = new byte[rows * rowBytes];
                rnd.nextBytes(codes);
                short[] query = new short[dim];
                for (int i = 0; i < dim; i++) query[i] = (short) (rnd.nextInt(255) - 127);
                // The extremes of the 16-bit lanes: rows 2 and 4 all code 3 (against -127 everywhere, every lane
                // sums 3 * 127 per component), row 3 all code 0.
                short[] extreme = new short[dim];
                Arrays.fill(extreme, (short) -127);
                Arrays.fill(codes, 2 * rowBytes, 3 * rowBytes, (byte) 0xFF);
                Arrays.fill(codes, 3 * rowBytes, 4 * rowBytes, (byte) 0x00);
                Arrays.fill(codes, 4 * rowBytes, 5 * rowBytes, (byte) 0xFF);
                for (short[] q : new short[][] {query, extreme}) {
                    for (int[] range : new int[][] {{0, rows}, {1, 22}, {3, 8}, {5, 6}, {7, 7}, {19, 23}, {2, 10}}) {
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
                    // Runs of four consecutive rows take the native four-row path, the others one row at a time.
                    int[] list = {22, 0, 4, 3, 3, 17, 2, 9, 10, 11, 12, 1, 19, 5, 6, 7, 8};
                    int[] out = new int[list.length + 1];
                    out[list.length] = 424242;
                    kernel.dotRowList(codes, list, list.length, q, dim, out);
                    for (int i = 0; i < list.length; i++) {
                        assertEquals(reference(codes, list[i], q, dim), out[i], kernel.name() + " dim " + dim + " list " + i);
                    }
                    assertEquals(424242, out[list.length], kernel.name() + " wrote past the list");
                }
                assertEquals(-3L * 127 * dim, reference(codes, 2, extreme, dim));
            }
        }
    }

    /** c = clamp(floor(x * sqrt(dim) / |x| + 2), 0, 3): the unit vector's component in steps of 1/sqrt(dim). */
    @Test
    void quantizeCodesTheUnitVectorInStepsOfItsSpread() {
        Random rnd = new Random(5);
        for (int dim : DIMS) {
            float[] v = new float[dim];
            double norm = 0;
            for (int i = 0; i < dim; i++) {
                v[i] = (float) (rnd.nextGaussian() * 3.5); // any length: the codes are of the unit vector
                norm += (double) v[i] * v[i];
            }
            norm = Math.sqrt(norm);
            byte[] codes = new byte[Int2Codes.rowBytes(dim) + 2];
            Arrays.fill(codes, (byte) 0x5A); // the row's bytes are overwritten, the bytes around it kept
            Int2Codes.quantize(v, codes, 1, dim);
            assertEquals(0x5A, codes[0]);
            assertEquals(0x5A, codes[codes.length - 1]);
            int[] seen = new int[4];
            for (int i = 0; i < dim; i++) {
                double steps = v[i] / norm * Math.sqrt(dim);
                int c = Int2Codes.code(codes, 1, dim, i);
                seen[c]++;
                int want = (int) Math.max(0, Math.min(3, Math.floor(steps + 2)));
                if (Math.abs(steps + 2 - Math.rint(steps + 2)) > 1e-5) { // off a bucket edge
                    assertEquals(want, c, "dim " + dim + " component " + i + " at " + steps + " steps");
                }
            }
            if (dim == Embeddings.DIM) {
                for (int c = 0; c < 4; c++) assertTrue(seen[c] > dim / 10, "code " + c + " used " + seen[c] + " times");
            }
        }
        byte[] zero = new byte[Int2Codes.rowBytes(5)];
        Int2Codes.quantize(new float[5], zero, 0, 5);
        for (int i = 0; i < 5; i++) assertEquals(2, Int2Codes.code(zero, 0, 5, i));
    }

    /** The layout the Vector API kernel relies on: short j of chunk c holds component 128c + 16p + j in bits [2p, 2p + 2). */
    @Test
    void layoutPutsEightRunsOfSixteenContiguousComponentsInEachShort() {
        int dim = Embeddings.DIM;
        float[] v = new float[dim];
        Random rnd = new Random(4);
        for (int i = 0; i < dim; i++) v[i] = (float) rnd.nextGaussian();
        byte[] codes = new byte[Int2Codes.rowBytes(dim)];
        assertEquals(96, codes.length);
        Int2Codes.quantize(v, codes, 0, dim);
        double norm = 0;
        for (float x : v) norm += (double) x * x;
        for (int c = 0; c < dim / 128; c++) {
            for (int j = 0; j < 16; j++) {
                int shortValue = (codes[32 * c + 2 * j] & 0xFF) | (codes[32 * c + 2 * j + 1] & 0xFF) << 8;
                for (int p = 0; p < 8; p++) {
                    int i = 128 * c + 16 * p + j;
                    int want = (int) Math.max(0, Math.min(3, Math.floor(v[i] / Math.sqrt(norm) * Math.sqrt(dim) + 2)));
                    assertEquals(want, (shortValue >> (2 * p)) & 3, "component " + i);
                }
            }
        }
    }
}
