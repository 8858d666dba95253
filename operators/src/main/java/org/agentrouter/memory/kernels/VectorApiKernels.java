package org.agentrouter.memory.kernels;

/**
 * Creates a kernel written on the JDK Vector API by class name, so that its callers never link against the
 * incubator module when the JVM runs without it.
 */
public final class VectorApiKernels {
    private VectorApiKernels() {}

    /**
     * The kernel's {@code createIfSupported()}, or null when the module is absent, the class does not load or
     * the CPU lacks the vectors it needs (the caller then uses its plain-Java kernel: slower, same results).
     */
    public static <T> T create(String className, Class<T> type) {
        if (!Int8Dot.vectorApiPresent()) return null;
        try {
            Object kernel = Class.forName(VectorApiKernels.class.getPackageName() + "." + className)
                    .getDeclaredMethod("createIfSupported").invoke(null);
            return kernel == null ? null : type.cast(kernel);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }
}
