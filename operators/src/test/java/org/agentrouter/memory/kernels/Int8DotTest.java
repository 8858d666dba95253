package org.agentrouter.memory.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

import org.agentrouter.memory.store.QuantizedNamespace;
import org.agentrouter.wire.Embeddings;
import org.agentrouter.memory.TestMemories;
/**
 * Both int8 kernels, per row and over blocks of rows, against a long-arithmetic reference written here:
 * any wrong lane, row, offset or tail changes an exact integer.
 */
class Int8DotTest {
    private static Int8Dot vectorKernel() {
        // surefire's argLine adds the module; without it this test would silently compare the fallback with itself.
        assertTrue(Int8Dot.vectorApiPresent(), "run with --add-modules jdk.incubator.vector");
        Int8Dot vector = Int8Dot.best();
        assertEquals("vector-api", vector.name());
        return vector;
    }

    private static long reference(byte[] data, int offset, short[] query, int dim) {
        long s = 0;
        for (int i = 0; i < dim; i++) s += (long) data[offset + i] * query[i];
        return s;
    }

    @Test
    void dotRowsEqualsTheReferenceForEveryRowInEveryBlock() {
        Random rnd = new Random(11);
        for (Int8Dot kernel : new Int8Dot[] {vectorKernel(), new ScalarInt8Dot()}) {
            for (int dim : new int[] {Embeddings.DIM, 8, 16, 17, 5, 1000}) {
                int rows = 23;
                byte[] data = new byte[rows * dim];
                rnd.nextBytes(data);
                short[] query = new short[dim];
                int[] queryInts = new int[dim];
                for (int i = 0; i < dim; i++) query[i] = (short) (rnd.nextInt(255) - 127);
                // Row 2 at the extremes: codes -128 against query values -127 (the query's bound) over the
                // first 32 columns, so products paired in a 16-bit lane sum to 2 * 16,256, the most it must hold.
                Arrays.fill(data, 2 * dim, 3 * dim, (byte) -128);
                for (int i = 0; i < Math.min(dim, 32); i++) query[i] = -127;
                for (int i = 0; i < dim; i++) queryInts[i] = query[i];
                for (int[] range : new int[][] {{0, rows}, {1, 22}, {3, 8}, {5, 6}, {7, 7}, {0, 4}, {19, 23}}) {
                    int from = range[0];
                    int to = range[1];
                    int[] out = new int[to - from + 1];
                    out[to - from] = 424242; // past the block: must stay untouched
                    kernel.dotRows(data, from, to, query, dim, out);
                    for (int r = from; r < to; r++) {
                        String what = kernel.name() + " dim " + dim + " rows [" + from + ", " + to + ") row " + r;
                        assertEquals(reference(data, r * dim, query, dim), out[r - from], what);
                        assertEquals(out[r - from], kernel.dot(data, r * dim, queryInts, dim), what);
                    }
                    assertEquals(424242, out[to - from], kernel.name() + " wrote past the block");
                }
            }
        }
    }

    @Test
    void vectorBlocksEqualScalarBlocksOnQuantizedUnitVectors() {
        Random rnd = new Random(12);
        int dim = Embeddings.DIM;
        int rows = 1_001;
        byte[] codes = new byte[rows * dim];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) Int8Codes.quantize(TestMemories.randomUnit(rnd), codes, r * dim, dim, scales, r);
        byte[] q = new byte[dim];
        Int8Codes.quantize(TestMemories.randomUnit(rnd), q, 0, dim, new float[1], 0);
        short[] query = new short[dim];
        for (int i = 0; i < dim; i++) query[i] = q[i];
        int[] vector = new int[rows];
        int[] scalar = new int[rows];
        vectorKernel().dotRows(codes, 0, rows, query, dim, vector);
        new ScalarInt8Dot().dotRows(codes, 0, rows, query, dim, scalar);
        assertArrayEquals(scalar, vector);
        assertTrue(Arrays.stream(scalar).distinct().count() > rows / 2, "the data must tell rows apart");
    }
}
