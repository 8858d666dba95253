package org.agentrouter.memory.kernels;

import java.nio.file.StandardCopyOption;

import java.nio.file.Files;

import java.io.UncheckedIOException;

import java.io.InputStream;

import java.io.IOException;

import java.net.URL;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native scan kernels' library ({@code operators/src/main/c/quantized_dot.c}, built by Maven into the jar
 * when gcc is present), loaded once per class loader for {@link NativeInt4Dot} and {@link NativeInt2Dot}. It
 * is used only on x86-64 Linux with AVX2; {@code -Dagentrouter.native=false} turns it off.
 */
public final class NativeKernels {
    private static final Logger LOG = LoggerFactory.getLogger(NativeKernels.class);
    public static final String RESOURCE = "native/linux-x86_64/libagentrouter-dot.so";
    public static final boolean LOADED = load();

    private NativeKernels() {}

    private static boolean load() {
        if (!Boolean.parseBoolean(System.getProperty("agentrouter.native", "true"))) return false;
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "");
        if (!os.startsWith("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) return false;
        URL url = NativeKernels.class.getClassLoader().getResource(RESOURCE);
        if (url == null) {
            LOG.info("scan kernels: {} is not on the classpath (built without gcc?); using the Java kernels", RESOURCE);
            return false;
        }
        try {
            Path file = extract(url, "libagentrouter-dot.so", "the native scan kernels");
            System.load(file.toString());
            if (!supported0()) {
                LOG.info("scan kernels: this CPU has no AVX2; using the Java kernels");
                return false;
            }
            return true;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("scan kernels: could not load {} ({}); using the Java kernels", RESOURCE, e.toString());
            return false;
        }
    }

    /** The arguments every native call shares, checked before native code touches an array; returns the row bytes. */
    public static int checkRows(byte[] codes, int rowBytes, int from, int to, short[] query, int dim, int[] out) {
        checkQuery(query, dim);
        if (from < 0 || to < from || (long) to * rowBytes > codes.length || out.length < to - from) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") of " + codes.length / rowBytes
                    + ", out " + out.length);
        }
        return rowBytes;
    }

    public static void checkList(int[] rows, int n, short[] query, int dim, int[] out) {
        checkQuery(query, dim);
        if (n < 0 || n > rows.length || out.length < n) {
            throw new IndexOutOfBoundsException(n + " rows of a list of " + rows.length + ", out " + out.length);
        }
    }

    private static void checkQuery(short[] query, int dim) {
        if (dim < 1 || query.length < dim) {
            throw new IllegalArgumentException("dim " + dim + " with a query of " + query.length);
        }
    }

    /** Turns a native status into the exception it stands for (0 is success). */
    public static void status(int status, String kernel) {
        if (status == -1) throw new IndexOutOfBoundsException("a listed row is outside the codes");
        if (status != 0) throw new IllegalStateException("native " + kernel + " kernel failed (" + status + ")");
    }

    private static native boolean supported0();

    /** Copies a native library out of the jar to a file that dlopen can read; {@code what} names it in errors. */
    public static Path extract(URL url, String fileName, String what) {
        try {
            // A fresh owner-only directory per JVM: another user cannot swap the library before dlopen.
            Path dir = Files.createTempDirectory("agentrouter-native-");
            Path file = dir.resolve(fileName);
            try (InputStream in = url.openStream()) {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            // deleteOnExit runs in reverse order of registration: the file first, then its directory.
            dir.toFile().deleteOnExit();
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not extract " + what + " from " + url, e);
        }
    }
}
