package org.agentrouter.memory.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Int4Dot} on the JDK Vector API. Per chunk of 64 components: one 256-bit load of 32 code bytes seen
 * as 16 shorts; {@code x & 15}, {@code (x >>> 4) & 15}, {@code (x >>> 8) & 15} and {@code x >>> 12} are the
 * nibbles u = level + 8 of four runs of 16 contiguous components ({@link Int4Codes}' layout), multiplied by
 * the query's shorts at the same components and added in 16-bit lanes; no byte-to-short conversion at all.
 *
 * <p>Overflow: the lanes add u * q (u in [0, 15], |q| <= 127) and wrap modulo 2^16. Subtracting 8 * (the
 * sum of the query components that went into the lane) leaves, modulo 2^16, the lane's sum of level * q,
 * whose true value is at most 4 * chunks * 8 * 127 in magnitude: below 2^15 for up to 8 chunks (512
 * components), so the wrapped 16-bit value is that exact integer. Rows longer than 8 chunks are summed in
 * groups of 8, each corrected and widened to int on its own.
 */
public final class VectorInt4Dot implements Int4Dot {
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    /** Chunks summed in 16-bit lanes before the correction and the widening (see the class comment). */
    public static final int GROUP_CHUNKS = 8;

    private VectorInt4Dot() {}

    public static Int4Dot createIfSupported() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize() >= 256 ? new VectorInt4Dot() : null;
    }

    @Override
    public void dotRows(byte[] codes, int from, int to, short[] query, int dim, int[] out) {
        int rowBytes = Int4Codes.rowBytes(dim);
        int chunks = dim / Int4Codes.CHUNK;
        if (chunks <= GROUP_CHUNKS) {
            ShortVector correction = correction(query, 0, chunks);
            for (int r = from; r < to; r++) {
                out[r - from] = shortRow(codes, r * rowBytes, query, dim, chunks, correction);
            }
        } else {
            for (int r = from; r < to; r++) {
                out[r - from] = longRow(codes, r * rowBytes, query, dim, chunks);
            }
        }
    }

    @Override
    public void dotRowList(byte[] codes, int[] rows, int n, short[] query, int dim, int[] out) {
        int rowBytes = Int4Codes.rowBytes(dim);
        int chunks = dim / Int4Codes.CHUNK;
        if (chunks <= GROUP_CHUNKS) {
            ShortVector correction = correction(query, 0, chunks);
            for (int i = 0; i < n; i++) {
                out[i] = shortRow(codes, rows[i] * rowBytes, query, dim, chunks, correction);
            }
        } else {
            for (int i = 0; i < n; i++) {
                out[i] = longRow(codes, rows[i] * rowBytes, query, dim, chunks);
            }
        }
    }

    /** A row of at most {@link #GROUP_CHUNKS} chunks (384-d: 6), given {@link #correction}(query, 0, chunks). */
    private static int shortRow(byte[] codes, int o, short[] query, int dim, int chunks, ShortVector correction) {
        ShortVector lanes = chunkSums(codes, o, query, 0, chunks).sub(correction);
        int s = widenSum(lanes);
        int vectorDim = chunks * Int4Codes.CHUNK;
        return vectorDim < dim ? s + Int4Dot.tail(codes, o, vectorDim, query, dim) : s;
    }

    /** A longer row: groups of {@link #GROUP_CHUNKS} chunks, each corrected and widened on its own. */
    private static int longRow(byte[] codes, int o, short[] query, int dim, int chunks) {
        int s = 0;
        for (int c = 0; c < chunks; c += GROUP_CHUNKS) {
            int end = Math.min(chunks, c + GROUP_CHUNKS);
            s += widenSum(chunkSums(codes, o, query, c, end).sub(correction(query, c, end)));
        }
        return s + Int4Dot.tail(codes, o, chunks * Int4Codes.CHUNK, query, dim);
    }

    /** The sum of the 16 short lanes, in int. */
    private static int widenSum(ShortVector lanes) {
        return ((IntVector) lanes.convertShape(VectorOperators.S2I, INTS, 0))
                .add((IntVector) lanes.convertShape(VectorOperators.S2I, INTS, 1))
                .reduceLanes(VectorOperators.ADD);
    }

    /** Lane j: the sum, wrapped to 16 bits, of u * q over components 64c + 16p + j, c in [from, to), p in 0..3. */
    private static ShortVector chunkSums(byte[] codes, int rowOffset, short[] query, int from, int to) {
        ShortVector acc0 = ShortVector.zero(SHORTS);
        ShortVector acc1 = ShortVector.zero(SHORTS);
        for (int c = from; c < to; c++) {
            ShortVector x = ByteVector.fromArray(BYTES, codes, rowOffset + 32 * c).reinterpretAsShorts();
            int q = 64 * c;
            acc0 = acc0.add(x.and((short) 0xF).mul(ShortVector.fromArray(SHORTS, query, q)))
                    .add(x.lanewise(VectorOperators.LSHR, 4).and((short) 0xF).mul(ShortVector.fromArray(SHORTS, query, q + 16)));
            acc1 = acc1.add(x.lanewise(VectorOperators.LSHR, 8).and((short) 0xF).mul(ShortVector.fromArray(SHORTS, query, q + 32)))
                    .add(x.lanewise(VectorOperators.LSHR, 12).mul(ShortVector.fromArray(SHORTS, query, q + 48)));
        }
        return acc0.add(acc1);
    }

    /** Lane j: 8 * the sum of the query components that {@link #chunkSums} puts into lane j (wrapped). */
    private static ShortVector correction(short[] query, int from, int to) {
        ShortVector sum = ShortVector.zero(SHORTS);
        for (int c = from; c < to; c++) {
            for (int p = 0; p < 4; p++) {
                sum = sum.add(ShortVector.fromArray(SHORTS, query, 64 * c + 16 * p));
            }
        }
        return sum.lanewise(VectorOperators.LSHL, 3);
    }

    @Override
    public String name() {
        return "vector-api-int4";
    }
}
