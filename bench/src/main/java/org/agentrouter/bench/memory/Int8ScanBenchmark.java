package org.agentrouter.bench.memory;

import org.agentrouter.memory.kernels.Int8Codes;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.store.QuantizedNamespace;
import org.agentrouter.memory.kernels.Int2Codes;
import org.agentrouter.memory.kernels.Int2Dot;
import org.agentrouter.memory.kernels.Int4Codes;
import org.agentrouter.memory.kernels.Int4Dot;
import org.agentrouter.memory.kernels.Int8Dot;
import org.agentrouter.memory.kernels.NativeInt2Dot;
import org.agentrouter.memory.kernels.NativeInt4Dot;
import org.agentrouter.memory.kernels.ScalarInt8Dot;
import org.agentrouter.memory.kernels.VectorInt2Dot;
import org.agentrouter.memory.kernels.VectorInt4Dot;
import org.agentrouter.memory.kernels.VectorInt8Dot;
import org.agentrouter.wire.Embeddings;
/**
 * Issue 8: one query's int8 scan over a namespace of {@code rows} x 384 codes (random unit vectors
 * quantized as {@link LiveMemoryIndex} does), one kernel per benchmark method; each op is a full pass
 * writing every row's dot product. In package {@code org.agentrouter.memory} to reach the package-private
 * kernels; not in {@code ./router bench micro}'s suite (its regex covers {@code org.agentrouter.bench}),
 * because it needs the incubator module and 384 MB of codes at 1M rows. Run it with JMH's main, see
 * BENCHMARKS.md ("Faster int8 scan"); {@link Int8ScanRoundRobin} times the same methods in turn in one JVM.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class Int8ScanBenchmark {
    private static final int DIM = Embeddings.DIM;

    @Param({"100000"})
    public int rows;

    private byte[] codes;
    private int[] queryInts;
    private float[] queryFloats;
    private short[] queryShorts;
    private int[] out;
    private Int8Dot vectorKernel;
    private Int8Dot scalar;
    private ExecutorService second;
    private byte[] queryBytes;
    private OnnxInt8Scan onnxOneThread;
    private OnnxInt8Scan onnxTwoThreads;
    /** False: no ONNX sessions (Int8ScanRoundRobin sets it when no ONNX kernel is asked for). */
    boolean withOnnx = true;
    /** The same vectors as 4-bit codes ({@link Int4Codes}), 192 bytes per row. */
    private byte[] int4Codes;
    private byte[] int4SignedCodes;
    private Int4Dot int4Kernel;
    /** The native AVX2 kernel, or null where it does not load (its benchmarks then throw). */
    private Int4Dot nativeInt4Kernel;
    /** The same vectors as 2-bit codes ({@link Int2Codes}, the index's coarse pass), 96 bytes per row. */
    private byte[] int2Codes;
    private Int2Dot int2Kernel;
    private Int2Dot nativeInt2Kernel;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(8);
        codes = new byte[rows * DIM];
        float[] scales = new float[rows];
        float[] v = new float[DIM];
        int4Codes = new byte[rows * Int4Codes.rowBytes(DIM)];
        int2Codes = new byte[rows * Int2Codes.rowBytes(DIM)];
        for (int r = 0; r < rows; r++) {
            unit(random, v);
            Int8Codes.quantize(v, codes, r * DIM, DIM, scales, r);
            Int4Codes.quantize(v, int4Codes, r * Int4Codes.rowBytes(DIM), DIM);
            Int2Codes.quantize(v, int2Codes, r * Int2Codes.rowBytes(DIM), DIM);
        }
        int4SignedCodes = Int8ScanCandidates.signedNibbles(int4Codes);
        byte[] q = new byte[DIM];
        unit(random, v);
        Int8Codes.quantize(v, q, 0, DIM, new float[1], 0);
        queryInts = new int[DIM];
        queryFloats = new float[DIM];
        queryShorts = new short[DIM];
        for (int i = 0; i < DIM; i++) {
            queryInts[i] = q[i];
            queryFloats[i] = q[i];
            queryShorts[i] = q[i];
        }
        out = new int[rows];
        vectorKernel = Int8Dot.best();
        if (!vectorKernel.name().equals("vector-api")) {
            throw new IllegalStateException("run with --add-modules jdk.incubator.vector; got kernel " + vectorKernel.name());
        }
        scalar = new ScalarInt8Dot();
        second = Executors.newSingleThreadExecutor();
        queryBytes = q;
        int4Kernel = Int4Dot.javaBest();
        nativeInt4Kernel = NativeInt4Dot.createIfSupported();
        if (!int4Kernel.name().equals("vector-api-int4")) {
            throw new IllegalStateException("no Vector API int4 kernel: " + int4Kernel.name());
        }
        // A fast wrong answer is no answer: every 4-bit kernel must give the plain-Java kernel's exact integers.
        int[] int4Expected = new int[rows];
        Int4Dot.scalar().dotRows(int4Codes, 0, rows, queryShorts, DIM, int4Expected);
        for (String kernel : nativeInt4Kernel == null
                ? new String[] {"int4Blocks", "int4SignShiftsBlocks", "int4BlocksTwoThreads", "int4TwoRowsBlocks", "int4Fixed384Blocks"}
                : new String[] {"int4Blocks", "int4SignShiftsBlocks", "int4BlocksTwoThreads", "int4TwoRowsBlocks", "int4Fixed384Blocks",
                    "int4NativeBlocks", "int4NativeBlocksTwoThreads"}) {
            java.util.Arrays.fill(out, 0);
            try {
                getClass().getMethod(kernel).invoke(this);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (!java.util.Arrays.equals(int4Expected, out)) {
                throw new IllegalStateException(kernel + " differs from the plain-Java 4-bit dots");
            }
        }
        int2Kernel = Int2Dot.javaBest();
        nativeInt2Kernel = NativeInt2Dot.createIfSupported();
        int[] int2Expected = new int[rows];
        Int2Dot.scalar().dotRows(int2Codes, 0, rows, queryShorts, DIM, int2Expected);
        for (String kernel : nativeInt2Kernel == null ? new String[] {"int2Blocks"}
                : new String[] {"int2Blocks", "int2NativeBlocks", "int2NativeBlocksTwoThreads"}) {
            java.util.Arrays.fill(out, 0);
            try {
                getClass().getMethod(kernel).invoke(this);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (!java.util.Arrays.equals(int2Expected, out)) {
                throw new IllegalStateException(kernel + " differs from the plain-Java 2-bit dots");
            }
        }
        if (!withOnnx) {
            return;
        }
        try {
            onnxOneThread = new OnnxInt8Scan(codes, rows, DIM, 1);
            onnxTwoThreads = new OnnxInt8Scan(codes, rows, DIM, 2);
            if (!onnxOneThread.sharesCodesBuffer(q, DIM)) {
                throw new IllegalStateException("ONNX Runtime copied the codes buffer");
            }
            // A fast wrong answer is no answer: the ORT scan must give the exact integers.
            int[] expected = new int[rows];
            scalar.dotRows(codes, 0, rows, queryShorts, DIM, expected);
            int[] got = new int[rows];
            onnxOneThread.scan(q, got);
            if (!java.util.Arrays.equals(expected, got)) {
                int differ = 0;
                for (int r = 0; r < rows; r++) if (expected[r] != got[r]) differ++;
                throw new IllegalStateException("MatMulInteger differs from the exact dots on " + differ + " rows");
            }
        } catch (ai.onnxruntime.OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        second.shutdownNow();
        if (onnxOneThread != null) onnxOneThread.close();
        if (onnxTwoThreads != null) onnxTwoThreads.close();
    }

    /** (a): ONNX Runtime's MatMulInteger (MLAS) over the codes, 1 intra-op thread. */
    @Benchmark
    public int[] onnxMatMulIntegerOneThread() throws Exception {
        onnxOneThread.scan(queryBytes, out);
        return out;
    }

    /** (a) with 2 intra-op threads. */
    @Benchmark
    public int[] onnxMatMulIntegerTwoThreads() throws Exception {
        onnxTwoThreads.scan(queryBytes, out);
        return out;
    }

    /** Before issue 8's work: {@link VectorInt8Dot#dot}, one row per call (8 bytes widened to 8 ints). */
    @Benchmark
    public int[] vectorApiPerRow() {
        for (int r = 0; r < rows; r++) out[r] = vectorKernel.dot(codes, r * DIM, queryInts, DIM);
        return out;
    }

    /** The plain-Java fallback. */
    @Benchmark
    public int[] scalarPerRow() {
        for (int r = 0; r < rows; r++) out[r] = scalar.dot(codes, r * DIM, queryInts, DIM);
        return out;
    }

    @Benchmark
    public int[] floatFmaFourRows() {
        Int8ScanCandidates.floatFmaFourRows(codes, 0, rows, queryFloats, DIM, out);
        return out;
    }

    /** After: {@link VectorInt8Dot#dotRows} (16-bit lanes) over blocks as LiveMemoryIndex calls it. */
    @Benchmark
    public int[] vectorApiBlocks() {
        blocks(vectorKernel, 0, rows, out);
        return out;
    }

    /** 4 rows per query load, 8 codes widened to 8 ints (the first version of dotRows, replaced). */
    @Benchmark
    public int[] intFourRows() {
        Int8ScanCandidates.intFourRows(codes, 0, rows, queryInts, DIM, out);
        return out;
    }

    @Benchmark
    public int[] shortLanesTwoRows() {
        Int8ScanCandidates.shortLanesTwoRows(codes, 0, rows, queryShorts, DIM, out);
        return out;
    }

    @Benchmark
    public int[] shortLanesFourRows() {
        Int8ScanCandidates.shortLanesFourRows(codes, 0, rows, queryShorts, DIM, out);
        return out;
    }

    /** (c): the float kernel with the rows split in two halves, the second half on a pool thread. */
    @Benchmark
    public int[] floatFmaFourRowsTwoThreads() throws Exception {
        int half = (rows / 2) & ~3;
        int[] upper = new int[rows - half];
        Future<?> f = second.submit(() -> Int8ScanCandidates.floatFmaFourRows(codes, half, rows, queryFloats, DIM, upper));
        Int8ScanCandidates.floatFmaFourRows(codes, 0, half, queryFloats, DIM, out);
        f.get();
        System.arraycopy(upper, 0, out, half, upper.length);
        return out;
    }

    /** (c) on the shipped block kernel: the upper half of the rows on a second thread. */
    @Benchmark
    public int[] vectorApiBlocksTwoThreads() throws Exception {
        int half = rows / 2;
        Future<?> f = second.submit(() -> blocks(vectorKernel, half, rows, out));
        blocks(vectorKernel, 0, half, out);
        f.get();
        return out;
    }

    /** Issue 8's 4-bit first pass in Java: {@link VectorInt4Dot} over blocks of rows (192 bytes per row). */
    @Benchmark
    public int[] int4Blocks() {
        int4Blocks(int4Kernel, 0, rows, out);
        return out;
    }

    /** The 4-bit kernel with the nibbles sign-extended by shifts (no correction). */
    @Benchmark
    public int[] int4SignShiftsBlocks() {
        int[] block = new int[LiveMemoryIndex.SCAN_BLOCK_ROWS];
        for (int r = 0; r < rows; r += block.length) {
            int end = Math.min(rows, r + block.length);
            Int8ScanCandidates.int4SignShifts(int4SignedCodes, r, end, queryShorts, DIM, block);
            System.arraycopy(block, 0, out, r, end - r);
        }
        return out;
    }

    /** 384-d only: 2 rows per query load, cheaper widening. */
    @Benchmark
    public int[] int4TwoRowsBlocks() {
        int[] block = new int[LiveMemoryIndex.SCAN_BLOCK_ROWS];
        for (int r = 0; r < rows; r += block.length) {
            int end = Math.min(rows, r + block.length);
            Int8ScanCandidates.int4TwoRows(int4Codes, r, end, queryShorts, block);
            System.arraycopy(block, 0, out, r, end - r);
        }
        return out;
    }

    /** 384-d only: constant chunk count, cheaper widening. */
    @Benchmark
    public int[] int4Fixed384Blocks() {
        int[] block = new int[LiveMemoryIndex.SCAN_BLOCK_ROWS];
        for (int r = 0; r < rows; r += block.length) {
            int end = Math.min(rows, r + block.length);
            Int8ScanCandidates.int4Fixed384(int4Codes, r, end, queryShorts, block);
            System.arraycopy(block, 0, out, r, end - r);
        }
        return out;
    }

    /** The 4-bit kernel with the upper half of the rows on a second thread. */
    @Benchmark
    public int[] int4BlocksTwoThreads() throws Exception {
        return int4TwoThreads(int4Kernel);
    }

    /** The shipped 4-bit kernel where it loads: {@link NativeInt4Dot} (AVX2 vpmaddubsw) over blocks of rows. */
    @Benchmark
    public int[] int4NativeBlocks() {
        int4Blocks(nativeKernel(), 0, rows, out);
        return out;
    }

    /** The native kernel with the upper half of the rows on a second thread (--retrieval-scan-threads 2). */
    @Benchmark
    public int[] int4NativeBlocksTwoThreads() throws Exception {
        return int4TwoThreads(nativeKernel());
    }

    /** The upper half of the rows on the second thread, the lower half on this one. */
    private int[] int4TwoThreads(Int4Dot kernel) throws Exception {
        int half = rows / 2;
        Future<?> f = second.submit(() -> int4Blocks(kernel, half, rows, out));
        int4Blocks(kernel, 0, half, out);
        f.get();
        return out;
    }

    private Int4Dot nativeKernel() {
        if (nativeInt4Kernel == null) throw new IllegalStateException("the native 4-bit kernel did not load here");
        return nativeInt4Kernel;
    }

    /** The coarse pass's 2-bit kernel in Java: {@link VectorInt2Dot} over blocks of rows (96 bytes per row). */
    @Benchmark
    public int[] int2Blocks() {
        int2Blocks(int2Kernel, 0, rows, out);
        return out;
    }

    /** The shipped coarse kernel where it loads: {@link NativeInt2Dot} (AVX2 vpmaddubsw, four rows at a time). */
    @Benchmark
    public int[] int2NativeBlocks() {
        int2Blocks(nativeInt2(), 0, rows, out);
        return out;
    }

    /** The native 2-bit kernel with the upper half of the rows on a second thread. */
    @Benchmark
    public int[] int2NativeBlocksTwoThreads() throws Exception {
        Int2Dot kernel = nativeInt2();
        int half = rows / 2;
        Future<?> f = second.submit(() -> int2Blocks(kernel, half, rows, out));
        int2Blocks(kernel, 0, half, out);
        f.get();
        return out;
    }

    private Int2Dot nativeInt2() {
        if (nativeInt2Kernel == null) throw new IllegalStateException("the native 2-bit kernel did not load here");
        return nativeInt2Kernel;
    }

    private void int2Blocks(Int2Dot kernel, int from, int to, int[] out) {
        int[] block = new int[kernel.rowsPerCall()];
        for (int r = from; r < to; r += block.length) {
            int end = Math.min(to, r + block.length);
            kernel.dotRows(int2Codes, r, end, queryShorts, DIM, block);
            System.arraycopy(block, 0, out, r, end - r);
        }
    }

    /** The floor for the 2-bit kernel: reads every 2-bit code byte once. */
    @Benchmark
    public long readInt2CodesOnly() {
        return Int8ScanCandidates.orAll(int2Codes);
    }

    /** The floor for a 4-bit kernel: reads every 4-bit code byte once. */
    @Benchmark
    public long readInt4CodesOnly() {
        return Int8ScanCandidates.orAll(int4Codes);
    }

    /** In the kernel's own calls ({@link Int4Dot#rowsPerCall}: 256 rows in Java, 4,096 native), as the index calls it. */
    private void int4Blocks(Int4Dot kernel, int from, int to, int[] out) {
        int[] block = new int[kernel.rowsPerCall()];
        for (int r = from; r < to; r += block.length) {
            int end = Math.min(to, r + block.length);
            kernel.dotRows(int4Codes, r, end, queryShorts, DIM, block);
            System.arraycopy(block, 0, out, r, end - r);
        }
    }

    /** Rows [from, to) in blocks of {@link LiveMemoryIndex#SCAN_BLOCK_ROWS}, dots written at out[row]. */
    private void blocks(Int8Dot kernel, int from, int to, int[] out) {
        int[] block = new int[LiveMemoryIndex.SCAN_BLOCK_ROWS];
        for (int r = from; r < to; r += block.length) {
            int end = Math.min(to, r + block.length);
            kernel.dotRows(codes, r, end, queryShorts, DIM, block);
            System.arraycopy(block, 0, out, r, end - r);
        }
    }

    /**
     * The floor for any kernel: reads every code once (32 bytes per OR, no arithmetic). When a kernel runs
     * at this speed the scan is bound by memory bandwidth, not by the multiply-adds.
     */
    @Benchmark
    public long readCodesOnly() {
        return Int8ScanCandidates.orAll(codes);
    }

    /** The floor read from two far-apart streams at once. */
    @Benchmark
    public long readCodesOnlyTwoStreams() {
        return Int8ScanCandidates.orAllTwoStreams(codes);
    }

    private static void unit(SplittableRandom random, float[] v) {
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) gaussian(random);
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) v[i] *= inv;
    }

    private static double gaussian(SplittableRandom random) {
        double u = random.nextDouble();
        double w = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w);
    }
}
