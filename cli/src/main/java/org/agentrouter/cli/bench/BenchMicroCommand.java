package org.agentrouter.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import org.agentrouter.bench.MicroComparison;
import org.agentrouter.bench.MicroResults;
import java.util.ArrayList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.DataPaths;
@Command(name = "micro", mixinStandardHelpOptions = true,
        description = {"JMH microbenchmarks of the decision path (feature assembly, ONNX scoring of 100 candidates with "
                + "each shipped model, conformal decision, the whole in-operator path, Avro), sample-time percentiles "
                + "and bytes/op from JMH's gc profiler. Writes the results as JSON and compares each p50 with the baseline.",
                "Exit code 1 when any benchmark's p50 is more than --max-slowdown slower than the baseline's."})
final class BenchMicroCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "a sanity run of a minute or two (1 fork, 1 s iterations) instead of the full "
            + "run (about 8 minutes); its figures are noisier")
    boolean quick;

    @Option(names = "--compare", paramLabel = "FILE",
            description = "baseline results to compare with; default: bench/baseline/micro.json in the repository")
    Path baseline;

    @Option(names = "--results", paramLabel = "FILE",
            description = "compare this results file instead of running the suite")
    Path results;

    @Option(names = "--out", paramLabel = "FILE",
            description = "where to write this run's results; default: .run/bench/micro-<time>.json")
    Path out;

    @Option(names = "--save-baseline", description = "also write this run's results as the baseline (the --compare file)")
    boolean saveBaseline;

    @Option(names = "--include", paramLabel = "REGEX", description = "run only benchmarks whose name matches")
    String include;

    @Option(names = "--max-slowdown", paramLabel = "PERCENT", description = "regression threshold on p50; default: ${DEFAULT-VALUE}")
    double maxSlowdownPercent = 10;

    @Option(names = "--min-delta-us", paramLabel = "US", description = "smaller p50 increases are timer noise, never "
            + "regressions; default: ${DEFAULT-VALUE}")
    double minDeltaUs = 0.05;

    /**
     * JMH runs in a child JVM on the bench module's own class path: JMH forks each benchmark with its
     * host's class path, and forks on the CLI's (Flink, Kafka, ...) crashed (see MicroSuite).
     */
    private void runSuite(Path repo, Path outFile, Path jmhJson) throws Exception {
        Path target = repo.resolve("bench/target");
        Path jar = target.resolve("bench.jar");
        if (!Files.exists(jar) || !Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException(jar + " or its lib/ is missing: build with `mvn -o -B -DskipTests package` "
                    + "(./router does it when sources changed)");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", jar + java.io.File.pathSeparator + target.resolve("lib") + java.io.File.separator + "*",
                "org.agentrouter.bench.MicroSuite", "--out", outFile.toString(), "--jmh-json", jmhJson.toString()));
        if (quick) command.add("--quick");
        if (include != null) {
            command.add("--include");
            command.add(include);
        }
        int code = new ProcessBuilder(command).inheritIO().start().waitFor();
        if (code != 0) {
            throw new IllegalStateException("the benchmark suite failed (exit code " + code + "); see its output above");
        }
    }

    @Override
    public Integer call() throws Exception {
        Path repo = DataPaths.repo();
        Path baselineFile = baseline != null ? baseline : repo.resolve("bench/baseline/micro.json");
        MicroResults current;
        if (results != null) {
            current = MicroResults.read(results);
        } else {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            Path outFile = out != null ? out : repo.resolve(".run/bench/micro-" + stamp + ".json");
            Path jmhJson = outFile.resolveSibling(outFile.getFileName().toString().replace(".json", "") + "-jmh.json");
            runSuite(repo, outFile, jmhJson);
            current = MicroResults.read(outFile);
            System.out.println("results: " + outFile + " (JMH's full output: " + jmhJson + ")");
            if (saveBaseline) {
                current.write(baselineFile);
                System.out.println("baseline written: " + baselineFile);
            }
        }
        System.out.printf("machine: %s, %d cores, %s; load average at start %s; %s run%n", current.cpu(), current.cores(),
                current.jvm(), java.util.Arrays.toString(current.loadAverage()), current.mode());
        if (!Files.exists(baselineFile)) {
            System.out.println("no baseline at " + baselineFile + ": nothing to compare with");
            return 0;
        }
        MicroResults before = MicroResults.read(baselineFile);
        List<MicroComparison.Verdict> verdicts =
                MicroComparison.compare(before, current, maxSlowdownPercent / 100.0, minDeltaUs);
        System.out.printf("compared with %s (%s run of %s, load average %s):%n", baselineFile, before.mode(),
                before.date(), java.util.Arrays.toString(before.loadAverage()));
        System.out.print(MicroComparison.table(verdicts));
        if (MicroComparison.anyRegression(verdicts)) {
            System.out.printf("REGRESSION: p50 more than %.0f%% slower than the baseline (see SLOWER above)%n",
                    maxSlowdownPercent);
            return 1;
        }
        System.out.printf("no benchmark more than %.0f%% slower than the baseline%n", maxSlowdownPercent);
        return 0;
    }
}
