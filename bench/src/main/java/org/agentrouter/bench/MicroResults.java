package org.agentrouter.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One run of the microbenchmark suite, condensed from JMH's output to what a comparison and a report
 * need: per benchmark the latency percentiles (sample time) and the heap allocated per operation.
 * This is the format of {@code bench/baseline/micro.json}.
 *
 * @param loadAverage the 1, 5 and 15 minute load averages when the run started
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MicroResults(String format, String date, String mode, String cpu, int cores, String jvm,
                           double[] loadAverage, List<Benchmark> benchmarks) {
    public static final String FORMAT = "agent-router-micro/1";

    /**
     * @param name benchmark class and method without the package, e.g. {@code ScoringBenchmark.onnxScore100}
     * @param params JMH parameters, empty when none
     * @param unit time unit of the percentiles, e.g. {@code us/op}
     * @param bytesPerOp JMH gc profiler's gc.alloc.rate.norm; null when the run had no gc profiler
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Benchmark(String name, Map<String, String> params, String unit, double p50, double p90,
                            double p99, double p999, double mean, long samples, Double bytesPerOp) {
        /** What identifies a benchmark across runs: its name and parameters. */
        public String key() {
            if (params == null || params.isEmpty()) return name;
            StringBuilder b = new StringBuilder(name).append('[');
            params.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> b.append(b.charAt(b.length() - 1) == '[' ? "" : ",").append(e.getKey())
                            .append('=').append(e.getValue()));
            return b.append(']').toString();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static MicroResults parse(String json) throws IOException {
        MicroResults r = JSON.readValue(json, MicroResults.class);
        if (!FORMAT.equals(r.format())) {
            throw new IOException("not a microbenchmark results file (format " + r.format() + ", expected " + FORMAT + ")");
        }
        return r;
    }

    public static MicroResults read(Path file) throws IOException {
        return parse(Files.readString(file));
    }

    public String toJson() throws IOException {
        return JSON.writeValueAsString(this);
    }

    public void write(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, toJson() + "\n");
    }
}
