package org.agentrouter.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentrouter.job.JobOptions;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.runtime.EmbeddedStack;
import org.agentrouter.runtime.KafkaBrokerMain;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.RandomMemoryStore;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.HdrHistogram.Histogram;
import org.agentrouter.cli.options.HumanDuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.runtime.TopicAdmin;
/**
 * The whole job under load: a Kafka broker (in this JVM, in its own process, or an existing one), a
 * store of random memories, the routing job on a MiniCluster in this JVM, a generator at fixed rates
 * (or as fast as the broker takes it) and a consumer of the decisions. Latency is query event time to
 * the decision's arrival at the consumer (one machine, one clock); throughput is decisions per second
 * over each measured window. With several rates the job is started once and each rate is one step
 * (warm-up, measurement, drain); results go to JSON, CSV and a PNG chart.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark: the real job (Kafka + MiniCluster) under a query generator; prints sustained throughput,",
            "end-to-end latency percentiles (HdrHistogram), the job's per-stage latency (its own metrics), CPU use per",
            "process and per thread; with --rates, a sweep written as JSON, CSV and a chart (PNG) of latency against load."})
public final class PipelineBenchCommand implements Callable<Integer> {
    @Option(names = "--rate", description = "queries per second, 0 for as fast as possible (default: ${DEFAULT-VALUE})")
    double rate = 1000;

    @Option(names = "--rates", split = ",", paramLabel = "R1,R2,...",
            description = "a sweep over these offered rates (queries/s), one step each on the same job; overrides --rate")
    List<Double> rates;

    @Option(names = "--keep-going", description = "with --rates: go on after a rate the job did not sustain (default: stop there)")
    boolean keepGoing;

    @Option(names = "--seconds", converter = HumanDuration.class, defaultValue = "20",
            description = "measured time per rate, seconds or a duration (default: ${DEFAULT-VALUE})")
    Duration seconds;

    @Option(names = "--warmup-seconds", converter = HumanDuration.class, defaultValue = "10",
            description = "time at the same rate before measuring, seconds or a duration (default: ${DEFAULT-VALUE})")
    Duration warmupSeconds;

    @Option(names = "--drain-seconds", converter = HumanDuration.class, defaultValue = "15",
            description = "longest wait for the measured queries' decisions after a step (default: ${DEFAULT-VALUE})")
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

    @Override
    public Integer call() throws Exception {
        if (exactlyOnce) guarantee = "exactly-once";
        List<Double> offered = rates != null && !rates.isEmpty() ? rates : List.of(rate);
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("bench-pipeline");
        double[] loadBefore = loadAverage();
        int partitions = Math.max(2, parallelism);
        try (BenchBroker broker = BenchBroker.start(bootstrap, kafkaProperties, brokerProcess, work, partitions)) {
            TopicAdmin.ensure(broker.kafka(), partitions, Duration.ofSeconds(30));
            JobOptions options = new JobOptions();
            if (bootstrap != null) options.kafkaProperties = kafkaProperties;
            options.store = work.resolve("memory.db");
            options.parallelism = parallelism;
            options.guarantee = guarantee;
            options.checkpointIntervalMs = checkpointIntervalMs;
            options.embedder = embedder;
            options.stateBackend = stateBackend;
            options.retrievalScanThreads = retrievalScanThreads;
            options.logDecisionsEvery = 0;
            options.groupId = "bench-pipeline-" + UUID.randomUUID();
            long storeStart = System.nanoTime();
            buildMemoryStore(options.store, new Random(42));
            System.out.printf("memory store: %,d memories in %d namespaces, built in %.1f s%n", memories, namespaces,
                    (System.nanoTime() - storeStart) / 1e9);
            int prometheusPort = freePort();
            JobClient job = LocalRouterJob.start(broker.bootstrap(), options, 0, prometheusPort, work.resolve("job"));
            List<PipelineBenchResults.Step> steps;
            try {
                steps = new PipelineSweep(this, broker, prometheusPort).run(offered);
            } finally {
                job.cancel().get();
            }
            PipelineBenchResults results = new PipelineBenchResults(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                    cpuModel(), Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage(),
                    new PipelineBenchResults.Setup(parallelism, memories, namespaces, !textOnly, guarantee, checkpointIntervalMs,
                            brokerProcess, (int) warmupSeconds.toSeconds(), (int) seconds.toSeconds(), stateBackend, retrievalScanThreads),
                    steps);
            String base = name != null ? name : "pipeline-" + Instant.now().truncatedTo(ChronoUnit.SECONDS).toString().replace(":", "");
            for (Path written : results.write(out, base)) System.out.println("wrote " + written);
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
        System.out.printf("%n== %s, parallelism %d, %,d memories in %d namespaces, %s, %s%s%n",
                s.offeredPerSecond() > 0 ? String.format("%.0f queries/s offered", s.offeredPerSecond()) : "as fast as possible",
                parallelism, memories, namespaces, textOnly ? "text only (embedded by the job, " + embedder + " MiniLM)" : "with embeddings", guarantee,
                brokerProcess ? ", broker in its own process" : bootstrap != null ? ", broker " + bootstrap : ", broker in this JVM");
        System.out.printf("sent %.0f/s, sustained %.0f decisions/s over %d s (%d decided, %d not decided within %d s after the window)%s%n",
                s.sentPerSecond(), s.decisionsPerSecond(), seconds.toSeconds(), s.decided(), s.undecided(), drainSeconds.toSeconds(),
                s.sustained() ? "" : "  NOT SUSTAINED");
        System.out.printf("end to end (event time -> decision consumed), ms: p50 %.1f  p95 %.1f  p99 %.1f  p99.9 %.1f  max %.1f%n",
                s.p50Ms(), s.p95Ms(), s.p99Ms(), s.p999Ms(), s.maxMs());
        System.out.printf("in the job (decode -> decision), ms: p50 %.2f  p99 %.2f; stage p50 from the job's metrics, us: %s%n",
                s.inJobP50Ms(), s.inJobP99Ms(), s.stageMicrosP50());
        System.out.printf("CPU: this JVM (job, generator, consumer%s) %.2f cores, broker process %.2f cores, of %d; load average %.2f%n",
                brokerProcess || bootstrap != null ? "" : ", broker", s.jvmCpuCores(), s.brokerCpuCores(),
                Runtime.getRuntime().availableProcessors(), s.loadAverage1m());
        System.out.println("busiest threads of this JVM (cores): " + s.threadCpuShare());
        if (s.decisionsPerSecond() > 0) {
            // CPU time per decision depends far less on other processes' load than wall-clock latency does.
            Double jit = s.threadCpuShare().get(PipelineSweep.JIT_COMPILERS);
            System.out.printf("CPU per decision, ms: this JVM %.2f%s, broker process %.2f%n",
                    1000 * s.jvmCpuCores() / s.decisionsPerSecond(),
                    jit == null ? "" : String.format(" (%.2f without the JIT compiler threads)",
                            1000 * (s.jvmCpuCores() - jit) / s.decisionsPerSecond()),
                    1000 * s.brokerCpuCores() / s.decisionsPerSecond());
        }
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
