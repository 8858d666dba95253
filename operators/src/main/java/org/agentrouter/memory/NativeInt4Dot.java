package org.agentrouter.memory;

import java.net.URL;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Int4Dot} in C on AVX2's {@code vpmaddubsw} ({@code operators/src/main/c/int4dot.c}, built by Maven
 * into the jar when gcc is present): about half the instructions per row of {@link VectorInt4Dot}, which the
 * JDK 17 Vector API cannot express (BENCHMARKS.md, "Native 4-bit kernel"). Exact, like the other kernels.
 * {@link #createIfSupported()} returns null when the library is not in the jar, does not load, or the CPU has
 * no AVX2; {@code -Dagentrouter.native=false} turns it off. Arguments are checked here, before any native
 * code touches an array.
 */
final class NativeInt4Dot implements Int4Dot {
    private static final Logger LOG = LoggerFactory.getLogger(NativeInt4Dot.class);
    static final String RESOURCE = "native/linux-x86_64/libagentrouter-int4.so";
    private static final boolean LOADED = load();

    private NativeInt4Dot() {}

    static Int4Dot createIfSupported() {
        return LOADED ? new NativeInt4Dot() : null;
    }

    private static boolean load() {
        if (!Boolean.parseBoolean(System.getProperty("agentrouter.native", "true"))) return false;
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) return false;
        URL url = NativeInt4Dot.class.getClassLoader().getResource(RESOURCE);
        if (url == null) {
            LOG.info("4-bit kernel: {} is not on the classpath (built without gcc?); using the Java kernel", RESOURCE);
            return false;
        }
        try {
            Path file = VecExtension.extract(url, "libagentrouter-int4.so", "the native 4-bit kernel");
            System.load(file.toString());
            if (!supported0()) {
                LOG.info("4-bit kernel: this CPU has no AVX2; using the Java kernel");
                return false;
            }
            return true;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("4-bit kernel: could not load {} ({}); using the Java kernel", RESOURCE, e.toString());
            return false;
        }
    }

    @Override
    public void dotRows(byte[] codes, int from, int to, short[] query, int dim, int[] out) {
        int rowBytes = check(codes, query, dim);
        if (from < 0 || to < from || (long) to * rowBytes > codes.length || out.length < to - from) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + codes.length / rowBytes
                    + ", out " + out.length);
        }
        if (to == from) return;
        status(dot0(codes, codes.length / rowBytes, from, to, null, 0, query, dim, out));
    }

    @Override
    public void dotRowList(byte[] codes, int[] rows, int n, short[] query, int dim, int[] out) {
        int rowBytes = check(codes, query, dim);
        if (n < 0 || n > rows.length || out.length < n) {
            throw new IndexOutOfBoundsException(n + " rows of a list of " + rows.length + ", out " + out.length);
        }
        if (n == 0) return;
        status(dot0(codes, codes.length / rowBytes, 0, 0, rows, n, query, dim, out));
    }

    private static int check(byte[] codes, short[] query, int dim) {
        if (dim < 1 || query.length < dim) {
            throw new IllegalArgumentException("dim " + dim + " with a query of " + query.length);
        }
        return Int4Codes.rowBytes(dim);
    }

    private static void status(int status) {
        if (status == -1) throw new IndexOutOfBoundsException("a listed row is outside the codes");
        if (status != 0) throw new IllegalStateException("native 4-bit kernel failed (" + status + ")");
    }

    @Override
    public String name() {
        return "native-avx2-int4";
    }

    /**
     * Each call pins its arrays and permutes the query (~1.7 us): at 256 rows per call that was 0.7 ms of a
     * 2.4 ms pass over 100k rows; at 4,096 rows (16 KB of dots, still in L1) it is 0.04 ms.
     */
    @Override
    public int rowsPerCall() {
        return 4096;
    }

    private static native boolean supported0();

    private static native int dot0(byte[] codes, int rowCount, int from, int to, int[] rows, int n, short[] query,
                                   int dim, int[] out);
}
