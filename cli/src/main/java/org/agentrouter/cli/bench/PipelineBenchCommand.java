package org.agentrouter.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.agentrouter.cli.options.HumanDuration;
import org.agentrouter.runtime.EmbeddedStack;
import org.agentrouter.runtime.RandomMemoryStore;
import org.agentrouter.runtime.TopicAdmin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole job under load: a Kafka broker (in this JVM, in its own process, or an existing one), a
 * store of random memories, the routing job on a MiniCluster in a JVM of its own ({@link JobProcess}), a generator at
 * fixed rates (or as fast as the broker takes it) and a consumer of the decisions in this JVM. Latency is query event time to
 * the decision's arrival at the consumer (one machine, one clock); throughput is decisions per second
 * over each measured window. With several rates the job is started once and each rate is one step
 * (warm-up, measurement, drain); results go to JSON, CSV and a PNG chart.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark: the real job (Kafka + MiniCluster) under a query generator; prints sustained throughput,",
            "end-to-end latency percentiles (HdrHistogram), the job's per-stage latency (its own metrics), CPU use per",
            "process and per thread; with --rates, a sweep written as JSON, CSV and a chart (PNG) of latency against load."})
public final class PipelineBenchCommand implements Callable<Integer> {
    @Option(names = "--rate", description = "queries per second; 0 or idle: no queries for --idle-seconds; max: as fast as possible (default: ${DEFAULT-VALUE})")
    String rate = "1000";

    @Option(names = "--rates", split = ",", paramLabel = "R1,R2,...",
            description = "a sweep over these offered rates (queries/s, 0 or idle, max), one step each on the same job; overrides --rate")
    List<String> rates;

    @Option(names = "--idle-seconds", converter = HumanDuration.class, defaultValue = "30",
            description = "length of an idle step (rate 0): the job's and the broker's CPU with no traffic, seconds or a duration (default: ${DEFAULT-VALUE})")
    Duration idleSeconds;

    @Option(names = "--json", description = "print each step as one line of JSON (snake_case fields) on stdout; the report goes to stderr")
    boolean json;

    @Option(names = "--profile-job", paramLabel = "LIB", description = "path of async-profiler's libasyncProfiler.so: a CPU flame graph "
            + "of the job's process over each measured window, written next to the results as NAME-flame-STEP.html")
    Path profileJob;

    @Option(names = "--job-java-opts", description = "JVM options of the job's process (default: ${DEFAULT-VALUE})")
    String jobJavaOpts = "-Xmx3g";

    @Option(names = "--job-args", description = "further options of the job (./router run), e.g. \"--health-interval-ms 10000\"")
    String jobArgs = "";

    @Option(names = "--keep-going", description = "with --rates: go on after a rate the job did not sustain (default: stop there)")
    boolean keepGoing;

    @Option(names = "--seconds", converter = HumanDuration.class, defaultValue = "20",
            description = "measured time per rate, seconds or a duration (default: ${DEFAULT-VALUE})")
    Duration seconds;

    @Option(names = "--warmup-seconds", converter = HumanDuration.class, defaultValue = "10",
            description = "time at the same rate before measuring, seconds or a duration (default: ${DEFAULT-VALUE})")
    Duration warmupSeconds;

    @Option(names = "--drain-seconds", converter = HumanDuration.class, defaultValue = "15",
            description = "longest wait for the measured queries' decisions after a step, seconds or a duration (default: ${DEFAULT-VALUE})")
    Duration drainSeconds;

    @Option(names = "--memories", description = "random memories in the store (default: ${DEFAULT-VALUE})")
    int memories = 10_000;

    @Option(names = "--namespaces", description = "namespaces the memories and queries are spread over (default: ${DEFAULT-VALUE})")
    int namespaces = 4;

    @Option(names = "--parallelism", description = "job parallelism (default: ${DEFAULT-VALUE})")
    int parallelism = 1;

    @Option(names = "--guarantee", description = "at-least-once or exactly-once (default: ${DEFAULT-VALUE})")
    String guarantee = "at-least-once";

    @Option(names = "--exactly-once", description = "same as --guarantee exactly-once: decisions become visible per checkpoint")
    boolean exactlyOnce;

    @Option(names = "--checkpoint-interval-ms", description = "the job's checkpoint interval; exactly-once latency cannot be lower (default: ${DEFAULT-VALUE})")
    long checkpointIntervalMs = 1000;

    @Option(names = "--state-backend", description = "the job's state backend: hashmap or rocksdb (incremental checkpoints) (default: ${DEFAULT-VALUE})")
    String stateBackend = "hashmap";

    @Option(names = "--retrieval-scan-threads", description = "the job's threads per query for a namespace of 16k+ memories (default: ${DEFAULT-VALUE})")
    int retrievalScanThreads = 1;

    @Option(names = "--text-only", description = "queries without embeddings: the job embeds them with MiniLM")
    boolean textOnly;

    @Option(names = "--embedder", description = "with --text-only: full or quantized MiniLM (default: ${DEFAULT-VALUE})")
    String embedder = "full";

    @Option(names = "--broker-process", description = "run the Kafka broker as its own JVM (KafkaBrokerMain), so its CPU is measured apart from the job")
    boolean brokerProcess;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "use this Kafka (topics created if missing) instead of starting a broker")
    String bootstrap;

    /** With --bootstrap: the existing Kafka's client settings (the benchmark's own brokers are PLAINTEXT). */
    @picocli.CommandLine.Mixin
    org.agentrouter.job.KafkaPropertiesOption kafkaProperties = new org.agentrouter.job.KafkaPropertiesOption();

    @Option(names = "--out", paramLabel = "DIR", description = "where the JSON, CSV and chart go (default: ${DEFAULT-VALUE})")
    Path out = Path.of(".run/bench");

    @Option(names = "--name", description = "file name of the results without extension (default: pipeline-<time>)")
    String name;

    @Option(names = "--dir", description = "working directory: broker data, store, checkpoints (default: a new temporary one)")
    Path dir;

    /** Where the human-readable report goes: stderr with --json, so stdout carries only the JSON lines. */
    PrintStream log() {
        return json ? System.err : System.out;
    }

    /** A rate as given: a number of queries/s, 0 or idle for an idle step, max for as fast as possible. */
    static double parseRate(String r) {
        String v = r.trim().toLowerCase();
        if (v.equals("idle")) return PipelineSweep.IDLE;
        if (v.equals("max")) return PipelineSweep.AS_FAST_AS_POSSIBLE;
        double d = Double.parseDouble(v);
        if (d < 0) throw new IllegalArgumentException("a rate is >= 0, idle or max, got " + r);
        return d;
    }

    private List<String> jobOptions(Path store) {
        List<String> args = new ArrayList<>(List.of("--store", store.toString(), "--parallelism", Integer.toString(parallelism),
                "--guarantee", guarantee, "--checkpoint-interval-ms", Long.toString(checkpointIntervalMs), "--embedder", embedder,
                "--state-backend", stateBackend, "--retrieval-scan-threads", Integer.toString(retrievalScanThreads),
                "--log-decisions-every", "0", "--group-id", "bench-pipeline-" + UUID.randomUUID()));
        if (bootstrap != null && kafkaProperties.file != null) args.addAll(List.of("--kafka-properties", kafkaProperties.file.toString()));
        args.addAll(words(jobArgs));
        return args;
    }

    private static List<String> words(String s) {
        return s == null || s.isBlank() ? List.of() : Arrays.asList(s.trim().split("\\s+"));
    }

    @Override
    public Integer call() throws Exception {
        if (exactlyOnce) guarantee = "exactly-once";
        List<Double> offered = (rates != null && !rates.isEmpty() ? rates : List.of(rate)).stream().map(PipelineBenchCommand::parseRate).toList();
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("bench-pipeline");
        double[] loadBefore = loadAverage();
        int partitions = Math.max(2, parallelism);
        String base = name != null ? name : "pipeline-" + Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "");
        try (BenchBroker broker = BenchBroker.start(bootstrap, kafkaProperties, brokerProcess, work, partitions)) {
            TopicAdmin.ensure(broker.kafka(), partitions, Duration.ofSeconds(30));
            Path store = work.resolve("memory.db");
            long storeStart = System.nanoTime();
            buildMemoryStore(store, new Random(42));
            log().printf("memory store: %,d memories in %d namespaces, built in %.1f s%n", memories, namespaces,
                    (System.nanoTime() - storeStart) / 1e9);
            int prometheusPort = freePort();
            List<String> jobOptions = jobOptions(store);
            List<PipelineBenchResults.Step> steps;
            try (JobProcess job = JobProcess.start(broker.bootstrap(), prometheusPort, work.resolve("job"), jobOptions, words(jobJavaOpts))) {
                JobProfiler profiler = profileJob == null ? null : new JobProfiler(profileJob, job.pid(), out, base);
                steps = new PipelineSweep(this, broker, prometheusPort, job, profiler).run(offered);
            }
            PipelineBenchResults results = new PipelineBenchResults(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                    cpuModel(), Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage(),
                    new PipelineBenchResults.Setup(parallelism, memories, namespaces, !textOnly, guarantee, checkpointIntervalMs,
                            brokerProcess, (int) warmupSeconds.toSeconds(), (int) seconds.toSeconds(), stateBackend, retrievalScanThreads,
                            (int) idleSeconds.toSeconds(), words(jobArgs)),
                    steps);
            for (Path written : results.write(out, base)) log().println("wrote " + written);
            return 0;
        }
    }

    /**
     * Builds the memory store the job retrieves from: {@code memories} random unit vectors spread evenly
     * over the namespaces. The one place the benchmark makes memories: when memories arrive through the
     * agent-memories topic instead, re-point this method (the rest of the benchmark does not care).
     */
    void buildMemoryStore(Path db, Random rnd) {
        int perNamespace = Math.max(1, memories / namespaces);
        // One namespace per call keeps at most one namespace's records in the heap (1M memories: ~600 MB each).
        for (int n = 0; n < namespaces; n++) {
            RandomMemoryStore.write(db, rnd, List.of(namespaceName(n)), perNamespace, "bench-pipeline");
        }
    }

    static String namespaceName(int n) {
        return EmbeddedStack.NAMESPACE + "-" + n;
    }

    void print(PipelineBenchResults.Step s) {
        if (json) System.out.println(PipelineBenchResults.jsonLine(s));
        PrintStream o = log();
        String what = s.idle() ? String.format("idle (no queries) for %d s", idleSeconds.toSeconds())
                : s.offeredPerSecond() > 0 ? String.format("%.0f queries/s offered", s.offeredPerSecond()) : "as fast as possible";
        o.printf("%n== %s, parallelism %d, %,d memories in %d namespaces, %s, %s%s%n", what,
                parallelism, memories, namespaces, textOnly ? "text only (embedded by the job, " + embedder + " MiniLM)" : "with embeddings", guarantee,
                brokerProcess ? ", broker in its own process" : bootstrap != null ? ", broker " + bootstrap : ", broker in this JVM");
        if (!s.idle()) {
            o.printf("sent %.0f/s, sustained %.0f decisions/s over %d s (%d decided, %d not decided within %d s after the window)%s%n",
                    s.sentPerSecond(), s.decisionsPerSecond(), seconds.toSeconds(), s.decided(), s.undecided(), drainSeconds.toSeconds(),
                    s.sustained() ? "" : "  NOT SUSTAINED");
            o.printf("end to end (event time -> decision consumed), ms: p50 %.1f  p95 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n",
                    s.p50Ms(), s.p95Ms(), s.p99Ms(), s.p999Ms(), s.maxMs());
            o.printf("in the job (decode -> decision), ms: p50 %.2f  p99 %.2f; stage p50 from the job's metrics, us: %s%n",
                    s.inJobP50Ms(), s.inJobP99Ms(), s.stageMicrosP50());
        }
        o.printf("CPU, cores of %d: job process %.3f, broker process %.3f%s, benchmark (generator, consumer%s) %.3f; load average %.2f%n",
                Runtime.getRuntime().availableProcessors(), s.jobCpuCores(), s.brokerCpuCores(),
                brokerProcess ? "" : " (not measured apart)", brokerProcess || bootstrap != null ? "" : ", broker", s.benchCpuCores(), s.loadAverage1m());
        o.println("busiest threads of the job process (cores): " + s.threadCpuShare());
        if (s.jobCpuUsPerDecision() != null) {
            o.printf("CPU per decision, us: job %.1f, broker %s%n", s.jobCpuUsPerDecision(),
                    s.brokerCpuUsPerDecision() == null ? "-" : String.format("%.1f", s.brokerCpuUsPerDecision()));
        }
        if (s.flameGraph() != null) o.println("flame graph of the job: " + s.flameGraph());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return new double[] {ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()};
        }
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(System.getProperty("os.arch"));
        } catch (IOException e) {
            return System.getProperty("os.arch");
        }
    }
}
