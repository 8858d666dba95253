package org.agentrouter.memory;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Int8Dot} on the JDK Vector API: 8 bytes at a time widened to 8 int lanes (256-bit), multiplied
 * by the query's ints and summed in two accumulators. Widening to int before multiplying keeps the
 * arithmetic exact (no short overflow), so results equal {@link ScalarInt8Dot}'s bit for bit. Measured
 * here at 100k x 384: ~6 ms per full scan against ~50 ms for the scalar loop (which the JIT does not
 * vectorise over bytes). Only loaded, by name, when the module is present.
 */
final class VectorInt8Dot implements Int8Dot {
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_256;
    private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_64;
    private static final int LANES = INTS.length();

    private VectorInt8Dot() {}

    /** Null when this CPU has no 256-bit integer vectors (the JIT would emulate them slowly). */
    static Int8Dot createIfSupported() {
        return IntVector.SPECIES_PREFERRED.vectorBitSize() >= 256 ? new VectorInt8Dot() : null;
    }

    @Override
    public int dot(byte[] data, int offset, int[] query, int dim) {
        IntVector acc0 = IntVector.zero(INTS);
        IntVector acc1 = IntVector.zero(INTS);
        int i = 0;
        for (; i + 2 * LANES <= dim; i += 2 * LANES) {
            IntVector a0 = (IntVector) ByteVector.fromArray(BYTES, data, offset + i)
                    .convertShape(VectorOperators.B2I, INTS, 0);
            IntVector a1 = (IntVector) ByteVector.fromArray(BYTES, data, offset + i + LANES)
                    .convertShape(VectorOperators.B2I, INTS, 0);
            acc0 = acc0.add(a0.mul(IntVector.fromArray(INTS, query, i)));
            acc1 = acc1.add(a1.mul(IntVector.fromArray(INTS, query, i + LANES)));
        }
        int s = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        for (; i < dim; i++) {
            s += data[offset + i] * query[i];
        }
        return s;
    }

    @Override
    public String name() {
        return "vector-api";
    }
}
