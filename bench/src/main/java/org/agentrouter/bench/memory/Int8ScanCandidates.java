package org.agentrouter.bench.memory;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import org.agentrouter.memory.kernels.Int4Codes;
import org.agentrouter.memory.kernels.Int8Dot;
import org.agentrouter.memory.kernels.VectorInt4Dot;
import org.agentrouter.memory.kernels.VectorInt8Dot;
/**
 * Int8 scan kernels measured against the shipped ones by {@link Int8ScanBenchmark} (issue 8). Each computes,
 * for rows [from, to) of a row-major int8 matrix with {@code dim} columns, the exact integer dot product
 * with the query. Kept here, out of the operators, because they lost or are only measured; the winner
 * lives in operators as an {@link Int8Dot}.
 */
final class Int8ScanCandidates {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_256;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_256;
    private static final VectorSpecies<Byte> BYTES_8 = ByteVector.SPECIES_64;
    private static final VectorSpecies<Byte> BYTES_16 = ByteVector.SPECIES_128;

    private Int8ScanCandidates() {}

    /**
     * Floats instead of ints: every product and partial sum is an integer below 2^24 (|sum| <= 384 * 127^2),
     * so float FMA is exact. 4 rows share each query load.
     */
    static void floatFmaFourRows(byte[] data, int from, int to, float[] query, int dim, int[] out) {
        int r = from;
        for (; r + 4 <= to; r += 4) {
            int o0 = r * dim;
            int o1 = o0 + dim;
            int o2 = o1 + dim;
            int o3 = o2 + dim;
            FloatVector a0 = FloatVector.zero(FLOATS);
            FloatVector a1 = FloatVector.zero(FLOATS);
            FloatVector a2 = FloatVector.zero(FLOATS);
            FloatVector a3 = FloatVector.zero(FLOATS);
            for (int i = 0; i < dim; i += 8) {
                FloatVector q = FloatVector.fromArray(FLOATS, query, i);
                a0 = ((FloatVector) ByteVector.fromArray(BYTES_8, data, o0 + i).convertShape(VectorOperators.B2F, FLOATS, 0)).fma(q, a0);
                a1 = ((FloatVector) ByteVector.fromArray(BYTES_8, data, o1 + i).convertShape(VectorOperators.B2F, FLOATS, 0)).fma(q, a1);
                a2 = ((FloatVector) ByteVector.fromArray(BYTES_8, data, o2 + i).convertShape(VectorOperators.B2F, FLOATS, 0)).fma(q, a2);
                a3 = ((FloatVector) ByteVector.fromArray(BYTES_8, data, o3 + i).convertShape(VectorOperators.B2F, FLOATS, 0)).fma(q, a3);
            }
            out[r - from] = (int) a0.reduceLanes(VectorOperators.ADD);
            out[r - from + 1] = (int) a1.reduceLanes(VectorOperators.ADD);
            out[r - from + 2] = (int) a2.reduceLanes(VectorOperators.ADD);
            out[r - from + 3] = (int) a3.reduceLanes(VectorOperators.ADD);
        }
        for (; r < to; r++) {
            int s = 0;
            for (int i = 0; i < dim; i++) s += data[r * dim + i] * (int) query[i];
            out[r - from] = s;
        }
    }

    /** The shipped 16-bit-lane kernel ({@link VectorInt8Dot#dotRows}) with 2 rows sharing each query load, written out (no helper call). */
    static void shortLanesTwoRows(byte[] data, int from, int to, short[] query, int dim, int[] out) {
        int r = from;
        for (; r + 2 <= to; r += 2) {
            int o0 = r * dim;
            int o1 = o0 + dim;
            IntVector a0 = IntVector.zero(INTS);
            IntVector b0 = IntVector.zero(INTS);
            IntVector a1 = IntVector.zero(INTS);
            IntVector b1 = IntVector.zero(INTS);
            for (int i = 0; i < dim; i += 32) {
                ShortVector q0 = ShortVector.fromArray(SHORTS, query, i);
                ShortVector q1 = ShortVector.fromArray(SHORTS, query, i + 16);
                ShortVector pairs0 = ((ShortVector) ByteVector.fromArray(BYTES_16, data, o0 + i).convertShape(VectorOperators.B2S, SHORTS, 0)).mul(q0)
                        .add(((ShortVector) ByteVector.fromArray(BYTES_16, data, o0 + i + 16).convertShape(VectorOperators.B2S, SHORTS, 0)).mul(q1));
                ShortVector pairs1 = ((ShortVector) ByteVector.fromArray(BYTES_16, data, o1 + i).convertShape(VectorOperators.B2S, SHORTS, 0)).mul(q0)
                        .add(((ShortVector) ByteVector.fromArray(BYTES_16, data, o1 + i + 16).convertShape(VectorOperators.B2S, SHORTS, 0)).mul(q1));
                a0 = a0.add((IntVector) pairs0.convertShape(VectorOperators.S2I, INTS, 0));
                b0 = b0.add((IntVector) pairs0.convertShape(VectorOperators.S2I, INTS, 1));
                a1 = a1.add((IntVector) pairs1.convertShape(VectorOperators.S2I, INTS, 0));
                b1 = b1.add((IntVector) pairs1.convertShape(VectorOperators.S2I, INTS, 1));
            }
            out[r - from] = a0.add(b0).reduceLanes(VectorOperators.ADD);
            out[r - from + 1] = a1.add(b1).reduceLanes(VectorOperators.ADD);
        }
        scalarRows(data, r, to, query, dim, out, r - from);
    }

    /** The shipped 16-bit-lane kernel with 4 rows sharing each query load and the loop overhead. */
    static void shortLanesFourRows(byte[] data, int from, int to, short[] query, int dim, int[] out) {
        int r = from;
        for (; r + 4 <= to; r += 4) {
            int o0 = r * dim;
            int o1 = o0 + dim;
            int o2 = o1 + dim;
            int o3 = o2 + dim;
            IntVector a0 = IntVector.zero(INTS);
            IntVector a1 = IntVector.zero(INTS);
            IntVector a2 = IntVector.zero(INTS);
            IntVector a3 = IntVector.zero(INTS);
            for (int i = 0; i < dim; i += 32) {
                ShortVector q0 = ShortVector.fromArray(SHORTS, query, i);
                ShortVector q1 = ShortVector.fromArray(SHORTS, query, i + 16);
                a0 = addPairs(a0, data, o0 + i, q0, q1);
                a1 = addPairs(a1, data, o1 + i, q0, q1);
                a2 = addPairs(a2, data, o2 + i, q0, q1);
                a3 = addPairs(a3, data, o3 + i, q0, q1);
            }
            out[r - from] = a0.reduceLanes(VectorOperators.ADD);
            out[r - from + 1] = a1.reduceLanes(VectorOperators.ADD);
            out[r - from + 2] = a2.reduceLanes(VectorOperators.ADD);
            out[r - from + 3] = a3.reduceLanes(VectorOperators.ADD);
        }
        scalarRows(data, r, to, query, dim, out, r - from);
    }

    /** acc + the 32 products of codes [offset, offset + 32) with (q0, q1), paired in short, widened once. */
    private static IntVector addPairs(IntVector acc, byte[] data, int offset, ShortVector q0, ShortVector q1) {
        ShortVector p0 = ((ShortVector) ByteVector.fromArray(BYTES_16, data, offset).convertShape(VectorOperators.B2S, SHORTS, 0)).mul(q0);
        ShortVector p1 = ((ShortVector) ByteVector.fromArray(BYTES_16, data, offset + 16).convertShape(VectorOperators.B2S, SHORTS, 0)).mul(q1);
        ShortVector pairs = p0.add(p1);
        return acc.add((IntVector) pairs.convertShape(VectorOperators.S2I, INTS, 0))
                .add((IntVector) pairs.convertShape(VectorOperators.S2I, INTS, 1));
    }

    /** 4 rows share each query load: 8 codes widened to 8 int lanes, one accumulator per row. */
    static void intFourRows(byte[] data, int from, int to, int[] query, int dim, int[] out) {
        int r = from;
        for (; r + 4 <= to; r += 4) {
            int o0 = r * dim;
            int o1 = o0 + dim;
            int o2 = o1 + dim;
            int o3 = o2 + dim;
            IntVector a0 = IntVector.zero(INTS);
            IntVector a1 = IntVector.zero(INTS);
            IntVector a2 = IntVector.zero(INTS);
            IntVector a3 = IntVector.zero(INTS);
            for (int i = 0; i < dim; i += 8) {
                IntVector q = IntVector.fromArray(INTS, query, i);
                a0 = a0.add(((IntVector) ByteVector.fromArray(BYTES_8, data, o0 + i).convertShape(VectorOperators.B2I, INTS, 0)).mul(q));
                a1 = a1.add(((IntVector) ByteVector.fromArray(BYTES_8, data, o1 + i).convertShape(VectorOperators.B2I, INTS, 0)).mul(q));
                a2 = a2.add(((IntVector) ByteVector.fromArray(BYTES_8, data, o2 + i).convertShape(VectorOperators.B2I, INTS, 0)).mul(q));
                a3 = a3.add(((IntVector) ByteVector.fromArray(BYTES_8, data, o3 + i).convertShape(VectorOperators.B2I, INTS, 0)).mul(q));
            }
            out[r - from] = a0.reduceLanes(VectorOperators.ADD);
            out[r - from + 1] = a1.reduceLanes(VectorOperators.ADD);
            out[r - from + 2] = a2.reduceLanes(VectorOperators.ADD);
            out[r - from + 3] = a3.reduceLanes(VectorOperators.ADD);
        }
        scalarRows(data, r, to, query, dim, out, r - from);
    }

    private static void scalarRows(byte[] data, int from, int to, int[] query, int dim, int[] out, int outOffset) {
        for (int r = from; r < to; r++) {
            int s = 0;
            for (int i = 0; i < dim; i++) s += data[r * dim + i] * query[i];
            out[outOffset + r - from] = s;
        }
    }

    private static void scalarRows(byte[] data, int from, int to, short[] query, int dim, int[] out, int outOffset) {
        for (int r = from; r < to; r++) {
            int s = 0;
            for (int i = 0; i < dim; i++) s += data[r * dim + i] * query[i];
            out[outOffset + r - from] = s;
        }
    }

    /**
     * 4-bit codes ({@link Int4Codes}' layout) with the nibbles sign-extended by shifts instead of the shipped
     * kernel's mask + correction: level = (x << (12 - 4p)) >> 12 (arithmetic), summed in 16-bit lanes (exact:
     * |4 * 6 * 8 * 127| < 2^15 at 384-d; this candidate is only for dim a multiple of 64 up to 512).
     */
    static void int4SignShifts(byte[] codes, int from, int to, short[] query, int dim, int[] out) {
        int rowBytes = dim / 2;
        int chunks = dim / 64;
        for (int r = from; r < to; r++) {
            int o = r * rowBytes;
            ShortVector acc0 = ShortVector.zero(SHORTS);
            ShortVector acc1 = ShortVector.zero(SHORTS);
            for (int c = 0; c < chunks; c++) {
                ShortVector x = ByteVector.fromArray(ByteVector.SPECIES_256, codes, o + 32 * c).reinterpretAsShorts();
                int q = 64 * c;
                acc0 = acc0.add(x.lanewise(VectorOperators.LSHL, 12).lanewise(VectorOperators.ASHR, 12)
                                .mul(ShortVector.fromArray(SHORTS, query, q)))
                        .add(x.lanewise(VectorOperators.LSHL, 8).lanewise(VectorOperators.ASHR, 12)
                                .mul(ShortVector.fromArray(SHORTS, query, q + 16)));
                acc1 = acc1.add(x.lanewise(VectorOperators.LSHL, 4).lanewise(VectorOperators.ASHR, 12)
                                .mul(ShortVector.fromArray(SHORTS, query, q + 32)))
                        .add(x.lanewise(VectorOperators.ASHR, 12).mul(ShortVector.fromArray(SHORTS, query, q + 48)));
            }
            ShortVector lanes = acc0.add(acc1);
            out[r - from] = ((IntVector) lanes.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) lanes.convertShape(VectorOperators.S2I, INTS, 1))
                    .reduceLanes(VectorOperators.ADD);
        }
    }

    /** {@link #int4SignShifts}' codes: {@link Int4Codes} with the nibble holding the level itself (two's complement), not level + 8. */
    static byte[] signedNibbles(byte[] int4Codes) {
        byte[] out = new byte[int4Codes.length];
        for (int i = 0; i < out.length; i++) out[i] = (byte) (int4Codes[i] ^ 0x88);
        return out;
    }

    /** {@link VectorInt4Dot#dotRows} for 384-d only, with 2 rows sharing each query load. */
    static void int4TwoRows(byte[] codes, int from, int to, short[] query, int[] out) {
        ShortVector correction = int4Correction(query);
        int r = from;
        for (; r + 2 <= to; r += 2) {
            int o0 = r * 192;
            int o1 = o0 + 192;
            ShortVector a0 = ShortVector.zero(SHORTS);
            ShortVector b0 = ShortVector.zero(SHORTS);
            ShortVector a1 = ShortVector.zero(SHORTS);
            ShortVector b1 = ShortVector.zero(SHORTS);
            for (int c = 0; c < 6; c++) {
                int q = 64 * c;
                ShortVector x0 = ByteVector.fromArray(ByteVector.SPECIES_256, codes, o0 + 32 * c).reinterpretAsShorts();
                ShortVector x1 = ByteVector.fromArray(ByteVector.SPECIES_256, codes, o1 + 32 * c).reinterpretAsShorts();
                ShortVector q0 = ShortVector.fromArray(SHORTS, query, q);
                ShortVector q1 = ShortVector.fromArray(SHORTS, query, q + 16);
                ShortVector q2 = ShortVector.fromArray(SHORTS, query, q + 32);
                ShortVector q3 = ShortVector.fromArray(SHORTS, query, q + 48);
                a0 = a0.add(x0.and((short) 0xF).mul(q0)).add(x0.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(q1));
                b0 = b0.add(x0.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(q2)).add(x0.lanewise(VectorOperators.LSHR, 12).mul(q3));
                a1 = a1.add(x1.and((short) 0xF).mul(q0)).add(x1.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(q1));
                b1 = b1.add(x1.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(q2)).add(x1.lanewise(VectorOperators.LSHR, 12).mul(q3));
            }
            out[r - from] = widenSum(a0.add(b0).sub(correction));
            out[r - from + 1] = widenSum(a1.add(b1).sub(correction));
        }
        if (r < to) int4OneRowFixed(codes, r, to, query, out, r - from, correction);
    }

    /** {@link VectorInt4Dot#dotRows} for 384-d only (constant trip count, so the chunk loop can unroll). */
    static void int4Fixed384(byte[] codes, int from, int to, short[] query, int[] out) {
        int4OneRowFixed(codes, from, to, query, out, 0, int4Correction(query));
    }

    private static void int4OneRowFixed(byte[] codes, int from, int to, short[] query, int[] out, int outOffset, ShortVector correction) {
        for (int r = from; r < to; r++) {
            int o = r * 192;
            ShortVector a = ShortVector.zero(SHORTS);
            ShortVector b = ShortVector.zero(SHORTS);
            for (int c = 0; c < 6; c++) {
                int q = 64 * c;
                ShortVector x = ByteVector.fromArray(ByteVector.SPECIES_256, codes, o + 32 * c).reinterpretAsShorts();
                a = a.add(x.and((short) 0xF).mul(ShortVector.fromArray(SHORTS, query, q)))
                        .add(x.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(ShortVector.fromArray(SHORTS, query, q + 16)));
                b = b.add(x.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(ShortVector.fromArray(SHORTS, query, q + 32)))
                        .add(x.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(SHORTS, query, q + 48)));
            }
            out[outOffset + r - from] = widenSum(a.add(b).sub(correction));
        }
    }

    private static ShortVector int4Correction(short[] query) {
        ShortVector sum = ShortVector.zero(SHORTS);
        for (int i = 0; i < 384; i += 16) sum = sum.add(ShortVector.fromArray(SHORTS, query, i));
        return sum.lanewise(VectorOperators.LSHL, 3);
    }

    /** Sum of the 16 lanes as ints: the sign-extended low and high shorts of each int lane, added. */
    private static int widenSum(ShortVector lanes) {
        IntVector i = lanes.reinterpretAsInts();
        return i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(i.lanewise(VectorOperators.ASHR, 16)).reduceLanes(VectorOperators.ADD);
    }

    /** OR of all bytes, 32 at a time: a pure read of the array. */
    static long orAll(byte[] data) {
        VectorSpecies<Byte> bytes = ByteVector.SPECIES_256;
        ByteVector acc = ByteVector.zero(bytes);
        int i = 0;
        for (; i + bytes.length() <= data.length; i += bytes.length()) {
            acc = acc.or(ByteVector.fromArray(bytes, data, i));
        }
        long s = acc.reduceLanes(VectorOperators.OR);
        for (; i < data.length; i++) s |= data[i];
        return s;
    }

    /** As {@link #orAll} but from two far-apart positions at once: more misses in flight, if the core allows. */
    static long orAllTwoStreams(byte[] data) {
        VectorSpecies<Byte> bytes = ByteVector.SPECIES_256;
        int step = bytes.length();
        int half = (data.length / 2) / step * step;
        ByteVector acc0 = ByteVector.zero(bytes);
        ByteVector acc1 = ByteVector.zero(bytes);
        int i = 0;
        for (; i + step <= half && half + i + step <= data.length; i += step) {
            acc0 = acc0.or(ByteVector.fromArray(bytes, data, i));
            acc1 = acc1.or(ByteVector.fromArray(bytes, data, half + i));
        }
        long s = acc0.or(acc1).reduceLanes(VectorOperators.OR);
        for (int j = half + i; j < data.length; j++) s |= data[j];
        return s;
    }
}
