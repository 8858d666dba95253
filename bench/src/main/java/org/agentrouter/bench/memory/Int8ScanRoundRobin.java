package org.agentrouter.bench.memory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.agentrouter.wire.Embeddings;
/**
 * The kernels of {@link Int8ScanBenchmark} timed in turn, one full pass each per round, in one JVM: on a
 * shared machine whose load drifts, JMH's one-benchmark-after-the-other runs compare different moments;
 * here every kernel sees the same moments. Prints wall and this thread's CPU time percentiles per kernel
 * (the two-thread kernel's CPU time counts the calling thread only).
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp <bench classpath>
 * org.agentrouter.bench.memory.Int8ScanRoundRobin ROWS ROUNDS [KERNEL_REGEX]}
 */
public final class Int8ScanRoundRobin {
    private Int8ScanRoundRobin() {}

    public static void main(String[] args) throws Exception {
        int rows = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        // Optional third argument: a regex of the kernels to time (default: all).
        java.util.regex.Pattern only = java.util.regex.Pattern.compile(args.length > 2 ? args[2] : ".*");
        Int8ScanBenchmark b = new Int8ScanBenchmark();
        b.rows = rows;
        b.withOnnx = only.matcher("onnxMatMulInteger").find();
        b.setUp();
        Map<String, Callable<Object>> kernels = new LinkedHashMap<>();
        kernels.put("vectorApiPerRow (before)", b::vectorApiPerRow);
        kernels.put("vectorApiBlocks (shipped)", b::vectorApiBlocks);
        kernels.put("floatFmaFourRows", b::floatFmaFourRows);
        kernels.put("intFourRows", b::intFourRows);
        kernels.put("shortLanesTwoRows", b::shortLanesTwoRows);
        kernels.put("shortLanesFourRows", b::shortLanesFourRows);
        kernels.put("vectorApiBlocksTwoThreads", b::vectorApiBlocksTwoThreads);
        kernels.put("onnxMatMulIntegerOneThread", b::onnxMatMulIntegerOneThread);
        kernels.put("onnxMatMulIntegerTwoThreads", b::onnxMatMulIntegerTwoThreads);
        kernels.put("readCodesOnly (floor)", b::readCodesOnly);
        kernels.put("readCodesOnlyTwoStreams", b::readCodesOnlyTwoStreams);
        kernels.put("int4Blocks", b::int4Blocks);
        kernels.put("int4SignShiftsBlocks", b::int4SignShiftsBlocks);
        kernels.put("int4TwoRowsBlocks", b::int4TwoRowsBlocks);
        kernels.put("int4Fixed384Blocks", b::int4Fixed384Blocks);
        kernels.put("int4BlocksTwoThreads", b::int4BlocksTwoThreads);
        kernels.put("readInt4CodesOnly (floor)", b::readInt4CodesOnly);
        kernels.keySet().removeIf(k -> !only.matcher(k).find());
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, long[]> wall = new LinkedHashMap<>();
        Map<String, long[]> cpu = new LinkedHashMap<>();
        kernels.keySet().forEach(k -> {
            wall.put(k, new long[rounds]);
            cpu.put(k, new long[rounds]);
        });
        String load0 = Files.readString(Path.of("/proc/loadavg")).trim();
        int warmup = Math.max(20, rounds / 5);
        for (int round = -warmup; round < rounds; round++) {
            for (Map.Entry<String, Callable<Object>> e : kernels.entrySet()) {
                long c = threads.getCurrentThreadCpuTime();
                long s = System.nanoTime();
                e.getValue().call();
                long w = System.nanoTime() - s;
                long t = threads.getCurrentThreadCpuTime() - c;
                if (round >= 0) {
                    wall.get(e.getKey())[round] = w;
                    cpu.get(e.getKey())[round] = t;
                }
            }
        }
        String load1 = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.printf("rows %d x %d, %d rounds after %d warm-up; loadavg before [%s] after [%s]%n", rows,
                Embeddings.DIM, rounds, warmup, load0, load1);
        System.out.printf("%-28s %10s %10s %10s %10s %10s%n", "kernel (us per pass)", "wall min", "wall p50",
                "wall p90", "cpu min", "cpu p50");
        for (String k : kernels.keySet()) {
            long[] w = wall.get(k);
            long[] t = cpu.get(k);
            Arrays.sort(w);
            Arrays.sort(t);
            System.out.printf("%-28s %10d %10d %10d %10d %10d%n", k, w[0] / 1000, w[rounds / 2] / 1000,
                    w[rounds * 9 / 10] / 1000, t[0] / 1000, t[rounds / 2] / 1000);
        }
        b.tearDown();
    }
}
