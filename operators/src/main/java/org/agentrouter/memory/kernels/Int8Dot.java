package org.agentrouter.memory.kernels;


/**
 * Dot product of an int8 vector stored in a shared array with an int8 query held as ints. Two
 * implementations: one on the JDK Vector API (module {@code jdk.incubator.vector}, present only when the
 * JVM was started with {@code --add-modules jdk.incubator.vector}) and a plain-Java one that works on any
 * JVM. {@link #best()} picks the first that can run here.
 */
public interface Int8Dot {
    /** Sum over i in [0, dim) of {@code data[offset + i] * query[i]}. */
    int dot(byte[] data, int offset, int[] query, int dim);

    /**
     * {@code out[r - from]} = the dot product of row r of a row-major matrix with {@code dim} columns starting
     * at index 0 of {@code data}, for r in [from, to), with the query as shorts whose values lie in [-127, 127]
     * (as {@code QuantizedNamespace.quantize} makes them; a kernel may rely on it to keep two products in a
     * short). Scans call this over blocks of rows; the results are exact integers, equal to {@link #dot}'s.
     */
    default void dotRows(byte[] data, int from, int to, short[] query, int dim, int[] out) {
        for (int r = from; r < to; r++) {
            int o = r * dim;
            int s = 0;
            for (int i = 0; i < dim; i++) {
                s += data[o + i] * query[i];
            }
            out[r - from] = s;
        }
    }

    /** A short name for logs and benchmark output. */
    String name();

    /** True when the Vector API module is in the boot layer (the JVM was started with it). */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** The Vector API kernel when the module is present and wide enough vectors exist, else the scalar one. */
    public static Int8Dot best() {
        Int8Dot kernel = VectorApiKernels.create("VectorInt8Dot", Int8Dot.class);
        return kernel != null ? kernel : new ScalarInt8Dot();
    }
}
