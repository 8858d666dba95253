package org.agentrouter.memory.kernels;

/** Plain-Java {@link Int8Dot}: exact integer arithmetic, so its results equal the Vector API kernel's. */
public final class ScalarInt8Dot implements Int8Dot {
    @Override
    public int dot(byte[] data, int offset, int[] query, int dim) {
        int s0 = 0;
        int s1 = 0;
        int i = 0;
        for (; i + 1 < dim; i += 2) {
            s0 += data[offset + i] * query[i];
            s1 += data[offset + i + 1] * query[i + 1];
        }
        for (; i < dim; i++) {
            s0 += data[offset + i] * query[i];
        }
        return s0 + s1;
    }

    @Override
    public String name() {
        return "scalar";
    }
}
