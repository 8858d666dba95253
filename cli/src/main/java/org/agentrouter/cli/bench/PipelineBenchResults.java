package org.agentrouter.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one run of {@code ./router bench pipeline} measured: the setup and one {@link Step} per offered
 * rate, written as JSON (everything) and CSV (one row per rate, the columns the chart is drawn from).
 */
record PipelineBenchResults(String date, String machine, int cores, double[] loadAverageBefore, double[] loadAverageAfter,
                            Setup setup, List<Step> steps) {

    record Setup(int parallelism, int memories, int namespaces, boolean queriesCarryEmbeddings, String guarantee,
                 long checkpointIntervalMs, boolean brokerInOwnProcess, int warmupSeconds, int measuredSeconds,
                 String stateBackend, int retrievalScanThreads) {}

    /**
     * One offered rate. Latency: query event time to the decision's arrival at the benchmark's consumer,
     * over the queries sent in the measured window that were decided before the drain timeout
     * ({@code undecided} counts the others; when it is not 0 the percentiles are lower bounds).
     *
     * @param offeredPerSecond 0 means as fast as the producer could send
     * @param stageMicrosP50 p50 per stage from the job's own histograms (Prometheus scrape), name to microseconds
     * @param threadCpuShare CPU of the busiest threads of the benchmark JVM over the window, in cores (1.0 = one core)
     */
    record Step(double offeredPerSecond, double sentPerSecond, double decisionsPerSecond, long decided, long undecided,
                double p50Ms, double p95Ms, double p99Ms, double p999Ms, double maxMs,
                double inJobP50Ms, double inJobP99Ms, Map<String, Double> stageMicrosP50,
                double jvmCpuCores, double brokerCpuCores, Map<String, Double> threadCpuShare, double loadAverage1m) {

        /** The job kept up: it decided at least 95% of what was offered, in the window, and drained the rest. */
        boolean sustained() {
            return undecided == 0 && decisionsPerSecond >= 0.95 * sentPerSecond;
        }
    }

    static final List<String> CSV_COLUMNS = List.of("offered_per_s", "sent_per_s", "decisions_per_s", "decided", "undecided",
            "p50_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms", "in_job_p50_ms", "in_job_p99_ms",
            "retrieval_p50_us", "scoring_p50_us", "jvm_cpu_cores", "broker_cpu_cores", "load_average_1m", "sustained");

    String csv() {
        StringBuilder out = new StringBuilder(String.join(",", CSV_COLUMNS)).append('\n');
        for (Step s : steps) {
            List<String> cells = new ArrayList<>();
            cells.add(num(s.offeredPerSecond()));
            cells.add(num(s.sentPerSecond()));
            cells.add(num(s.decisionsPerSecond()));
            cells.add(Long.toString(s.decided()));
            cells.add(Long.toString(s.undecided()));
            for (double v : new double[] {s.p50Ms(), s.p95Ms(), s.p99Ms(), s.p999Ms(), s.maxMs(), s.inJobP50Ms(), s.inJobP99Ms()}) {
                cells.add(num(v));
            }
            cells.add(num(s.stageMicrosP50().getOrDefault("retrieval", Double.NaN)));
            cells.add(num(s.stageMicrosP50().getOrDefault("scoring", Double.NaN)));
            cells.add(num(s.jvmCpuCores()));
            cells.add(num(s.brokerCpuCores()));
            cells.add(num(s.loadAverage1m()));
            cells.add(Boolean.toString(s.sustained()));
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.3f", v);
    }

    /** Writes {@code BASE.json}, {@code BASE.csv} and {@code BASE.png} (the chart) next to each other. */
    List<Path> write(Path dir, String base) throws IOException {
        Files.createDirectories(dir);
        Path json = dir.resolve(base + ".json");
        Path csv = dir.resolve(base + ".csv");
        Path png = dir.resolve(base + ".png");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), this);
        Files.writeString(csv, csv());
        LatencyChart.write(this, png);
        return List.of(json, csv, png);
    }
}
