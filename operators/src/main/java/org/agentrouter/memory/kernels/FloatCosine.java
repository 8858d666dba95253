package org.agentrouter.memory.kernels;

/**
 * Exact cosine of a memory's float vector with the query, the rescoring step after the int8 scan. Like
 * {@link Int8Dot}, a Vector API implementation when the JVM has the module and a plain-Java one otherwise;
 * {@link #best()} picks. The shortlist is 2-4 x k rows, so at a few thousand memories per namespace
 * rescoring costs as much as the scan unless it runs wide.
 */
public interface FloatCosine {
    /** Cosine of {@code v} and {@code query}, whose norm the caller computed once; 0 when either is zero. */
    double cosine(float[] query, double queryNorm, float[] v);

    String name();

    public static FloatCosine best() {
        FloatCosine kernel = VectorApiKernels.create("VectorFloatCosine", FloatCosine.class);
        return kernel != null ? kernel : new ScalarFloatCosine();
    }
}
