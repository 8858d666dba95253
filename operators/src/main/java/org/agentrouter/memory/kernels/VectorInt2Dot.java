package org.agentrouter.memory.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Int2Dot} on the JDK Vector API. Per chunk of 128 components: one 256-bit load of 32 code bytes seen
 * as 16 shorts; {@code (x >>> 2p) & 3}, p = 0..7, are the codes of eight runs of 16 contiguous components
 * ({@link Int2Codes}' layout), multiplied by the query's shorts at the same components and added in 16-bit
 * lanes. A chunk adds at most 8 * 3 * 127 = 3,048 in magnitude to a lane, so groups of
 * {@link #GROUP_CHUNKS} chunks stay below 2^15 before they are widened to int.
 */
public final class VectorInt2Dot implements Int2Dot {
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_256;
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    public static final int GROUP_CHUNKS = 10;

    private VectorInt2Dot() {}

    public static Int2Dot createIfSupported() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize() >= 256 ? new VectorInt2Dot() : null;
    }

    @Override
    public void dotRows(byte[] codes, int from, int to, short[] query, int dim, int[] out) {
        int rowBytes = Int2Codes.rowBytes(dim);
        for (int r = from; r < to; r++) {
            out[r - from] = row(codes, r * rowBytes, query, dim);
        }
    }

    @Override
    public void dotRowList(byte[] codes, int[] rows, int n, short[] query, int dim, int[] out) {
        int rowBytes = Int2Codes.rowBytes(dim);
        for (int i = 0; i < n; i++) {
            out[i] = row(codes, rows[i] * rowBytes, query, dim);
        }
    }

    private static int row(byte[] codes, int o, short[] query, int dim) {
        int chunks = dim / Int2Codes.CHUNK;
        int s = 0;
        for (int c = 0; c < chunks; c += GROUP_CHUNKS) {
            ShortVector lanes = chunkSums(codes, o, query, c, Math.min(chunks, c + GROUP_CHUNKS));
            s += ((IntVector) lanes.convertShape(VectorOperators.S2I, INTS, 0))
                    .add((IntVector) lanes.convertShape(VectorOperators.S2I, INTS, 1))
                    .reduceLanes(VectorOperators.ADD);
        }
        int vectorDim = chunks * Int2Codes.CHUNK;
        return vectorDim < dim ? s + Int2Dot.tail(codes, o, vectorDim, query, dim) : s;
    }

    /** Lane j: the sum of code * q over components 128c + 16p + j, c in [from, to), p in 0..7. */
    private static ShortVector chunkSums(byte[] codes, int rowOffset, short[] query, int from, int to) {
        ShortVector acc0 = ShortVector.zero(SHORTS);
        ShortVector acc1 = ShortVector.zero(SHORTS);
        for (int c = from; c < to; c++) {
            ShortVector x = ByteVector.fromArray(BYTES, codes, rowOffset + 32 * c).reinterpretAsShorts();
            int q = 128 * c;
            acc0 = acc0.add(x.and((short) 3).mul(ShortVector.fromArray(SHORTS, query, q)))
                    .add(x.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(ShortVector.fromArray(SHORTS, query, q + 16)))
                    .add(x.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(ShortVector.fromArray(SHORTS, query, q + 32)))
                    .add(x.lanewise(VectorOperators.LSHR, 6).and((short) 3).mul(ShortVector.fromArray(SHORTS, query, q + 48)));
            acc1 = acc1.add(x.lanewise(VectorOperators.LSHR, 8).and((short) 3).mul(ShortVector.fromArray(SHORTS, query, q + 64)))
                    .add(x.lanewise(VectorOperators.LSHR, 10).and((short) 3).mul(ShortVector.fromArray(SHORTS, query, q + 80)))
                    .add(x.lanewise(VectorOperators.LSHR, 12).and((short) 3).mul(ShortVector.fromArray(SHORTS, query, q + 96)))
                    .add(x.lanewise(VectorOperators.LSHR, 14).mul(ShortVector.fromArray(SHORTS, query, q + 112)));
        }
        return acc0.add(acc1);
    }

    @Override
    public String name() {
        return "vector-api-int2";
    }
}
