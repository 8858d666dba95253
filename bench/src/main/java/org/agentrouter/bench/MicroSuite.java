package org.agentrouter.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs the JMH suite of this package in sample-time mode (every percentile, not only a mean) with
 * JMH's gc profiler (bytes allocated per operation) and condenses the result to {@link MicroResults}.
 * JMH forks a JVM per benchmark with this JVM's class path, so run it on the bench module's own
 * class path ({@code bench/target/bench.jar} and {@code bench/target/lib}), as {@code ./router bench micro}
 * does: forks on the CLI's full class path (Flink, Kafka, ...) died with SIGSEGV (exit code 139, no
 * hs_err file) as soon as ONNX Runtime ran, while the same benchmark ran in-process (-f 0).
 *
 * <p>Usage: {@code MicroSuite [--quick] [--include REGEX] --out FILE [--jmh-json FILE]}; exit code 0 when
 * the suite ran and the results were written.
 */
public final class MicroSuite {
    private static final String PACKAGE = MicroSuite.class.getPackageName();
    public static final String ALL = PACKAGE.replace(".", "\\.") + "\\..*Benchmark\\..*";

    private MicroSuite() {}

    public static void main(String[] args) throws Exception {
        boolean quick = false;
        String include = null;
        Path out = null;
        Path jmhJson = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> quick = true;
                case "--include" -> include = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                case "--jmh-json" -> jmhJson = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: MicroSuite [--quick] [--include REGEX] --out FILE [--jmh-json FILE]");
            }
        }
        if (out == null) throw new IllegalArgumentException("--out FILE is required");
        if (jmhJson == null) jmhJson = out.resolveSibling(out.getFileName().toString().replace(".json", "") + "-jmh.json");
        run(quick, include, jmhJson).write(out);
    }

    /**
     * @param quick a sanity run of a minute or two (1 fork, short iterations); otherwise the full run
     * @param include regular expression over benchmark names; null for all
     * @param jmhJson where JMH writes its own full JSON output
     */
    public static MicroResults run(boolean quick, String include, Path jmhJson) throws RunnerException, IOException {
        double[] load = loadAverage();
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(include == null ? ALL : include)
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MICROSECONDS)
                .addProfiler(GCProfiler.class)
                .param("model", ShippedModels.names().toArray(new String[0]))
                // The job always runs with the Vector API module (router script, flink-conf): so do its benchmarks.
                .jvmArgsAppend("-Xms1g", "-Xmx1g", "--add-modules", "jdk.incubator.vector")
                .shouldFailOnError(true)
                .resultFormat(ResultFormatType.JSON)
                .result(jmhJson.toString());
        if (quick) {
            options.forks(1).warmupIterations(2).warmupTime(TimeValue.seconds(1))
                    .measurementIterations(3).measurementTime(TimeValue.seconds(1));
        } else {
            options.forks(2).warmupIterations(3).warmupTime(TimeValue.seconds(2))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(2));
        }
        Files.createDirectories(jmhJson.toAbsolutePath().getParent());
        Collection<RunResult> runs = new Runner(options.build()).run();
        return condense(runs, quick ? "quick" : "full", load);
    }

    static MicroResults condense(Collection<RunResult> runs, String mode, double[] load) {
        List<MicroResults.Benchmark> benchmarks = new ArrayList<>();
        for (RunResult run : runs) {
            Result<?> primary = run.getPrimaryResult();
            Statistics s = primary.getStatistics();
            Map<String, String> params = new LinkedHashMap<>();
            for (String key : run.getParams().getParamsKeys()) params.put(key, run.getParams().getParam(key));
            Double bytesPerOp = null;
            for (Map.Entry<String, Result> e : run.getSecondaryResults().entrySet()) {
                // JMH names it "gc.alloc.rate.norm" (older versions prefix a middle dot).
                if (e.getKey().endsWith("gc.alloc.rate.norm")) bytesPerOp = e.getValue().getScore();
            }
            benchmarks.add(new MicroResults.Benchmark(
                    run.getParams().getBenchmark().substring(PACKAGE.length() + 1), params, primary.getScoreUnit(),
                    s.getPercentile(50), s.getPercentile(90), s.getPercentile(99), s.getPercentile(99.9),
                    s.getMean(), s.getN(), bytesPerOp));
        }
        return new MicroResults(MicroResults.FORMAT, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), mode,
                cpuModel(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"), load, benchmarks);
    }

    /** The 1, 5 and 15 minute load averages (Linux), or the 1 minute one the JVM knows elsewhere. */
    static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[] {ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()};
        }
    }

    /** What {@code lscpu} calls the model name. */
    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
