package org.agentrouter.cli.bench;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
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
                 String stateBackend, int retrievalScanThreads, int idleSeconds, List<String> jobArgs) {}

    /**
     * One offered rate, or an idle window. Latency: query event time to the decision's arrival at the benchmark's
     * consumer, over the queries sent in the measured window that were decided before the drain timeout
     * ({@code undecided} counts the others; when it is not 0 the percentiles are lower bounds). CPU: of each process
     * over the window, in cores (1.0 = one core busy), and per decision in microseconds.
     *
     * @param offeredPerSecond 0 for an idle window (no queries), -1 for as fast as the producer could send
     * @param stageMicrosP50 p50 per stage from the job's own histograms (Prometheus scrape), name to microseconds
     * @param jobCpuCores the job's process (the job only: generator and consumer run in the benchmark's process)
     * @param benchCpuCores the benchmark's process: generator and consumer (and the broker, when it runs there)
     * @param jobCpuUsPerDecision job CPU over the window / decisions in it; null when nothing was decided
     * @param threadCpuShare CPU of the job process's busiest threads over the window, in cores
     * @param flameGraph the job's flame graph over the window (with --profile-job), else null
     */
    record Step(double offeredPerSecond, double sentPerSecond, double decisionsPerSecond, long decided, long undecided,
                double p50Ms, double p95Ms, double p99Ms, double p999Ms, double maxMs,
                double inJobP50Ms, double inJobP99Ms, Map<String, Double> stageMicrosP50,
                double jobCpuCores, double brokerCpuCores, double benchCpuCores,
                Double jobCpuUsPerDecision, Double brokerCpuUsPerDecision,
                Map<String, Double> threadCpuShare, double loadAverage1m, String flameGraph) {

        /** The job kept up: it decided at least 95% of what was offered, in the window, and drained the rest. */
        @JsonProperty("sustained")
        boolean sustained() {
            return undecided == 0 && decisionsPerSecond >= 0.95 * sentPerSecond;
        }

        boolean idle() {
            return offeredPerSecond == 0;
        }
    }

    static final List<String> CSV_COLUMNS = List.of("offered_per_s", "sent_per_s", "decisions_per_s", "decided", "undecided",
            "p50_ms", "p95_ms", "p99_ms", "p999_ms", "max_ms", "in_job_p50_ms", "in_job_p99_ms",
            "retrieval_p50_us", "scoring_p50_us", "job_cpu_cores", "broker_cpu_cores", "bench_cpu_cores",
            "job_cpu_us_per_decision", "broker_cpu_us_per_decision", "load_average_1m", "sustained");

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
            cells.add(num(s.jobCpuCores()));
            cells.add(num(s.brokerCpuCores()));
            cells.add(num(s.benchCpuCores()));
            cells.add(num(s.jobCpuUsPerDecision() == null ? Double.NaN : s.jobCpuUsPerDecision()));
            cells.add(num(s.brokerCpuUsPerDecision() == null ? Double.NaN : s.brokerCpuUsPerDecision()));
            cells.add(num(s.loadAverage1m()));
            cells.add(Boolean.toString(s.sustained()));
            out.append(String.join(",", cells)).append('\n');
        }
        return out.toString();
    }

    /** One step as a single line of JSON with snake_case fields, for scripts reading {@code --json} output. */
    static String jsonLine(Step s) {
        try {
            return new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
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
