package org.agentrouter.cli;

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
import org.agentrouter.runtime.KafkaConnection;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.RandomMemoryStore;
import org.agentrouter.runtime.Topics;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
final class PipelineBenchCommand implements Callable<Integer> {
    @Option(names = "--rate", description = "queries per second, 0 for as fast as possible (default: ${DEFAULT-VALUE})")
    double rate = 1000;

    @Option(names = "--rates", split = ",", paramLabel = "R1,R2,...",
            description = "a sweep over these offered rates (queries/s), one step each on the same job; overrides --rate")
    List<Double> rates;

    @Option(names = "--keep-going", description = "with --rates: go on after a rate the job did not sustain (default: stop there)")
    boolean keepGoing;

    @Option(names = "--seconds", description = "measured seconds per rate (default: ${DEFAULT-VALUE})")
    int seconds = 20;

    @Option(names = "--warmup-seconds", description = "seconds at the same rate before measuring (default: ${DEFAULT-VALUE})")
    int warmupSeconds = 10;

    @Option(names = "--drain-seconds", description = "longest wait for the measured queries' decisions after a step (default: ${DEFAULT-VALUE})")
    int drainSeconds = 15;

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
        try (Broker broker = startBroker(work, partitions)) {
            Topics.ensure(broker.kafka(), partitions, Duration.ofSeconds(30));
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
                steps = new Sweep(broker, prometheusPort).run(offered);
            } finally {
                job.cancel().get();
            }
            PipelineBenchResults results = new PipelineBenchResults(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(),
                    cpuModel(), Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage(),
                    new PipelineBenchResults.Setup(parallelism, memories, namespaces, !textOnly, guarantee, checkpointIntervalMs,
                            brokerProcess, warmupSeconds, seconds, stateBackend, retrievalScanThreads),
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

    static final String ALL_JAVA_THREADS = "all Java threads";
    static final String JVM_INTERNAL = "JVM internal (JIT compilers, GC)";
    /** The compiler threads' part of JVM_INTERNAL (Linux only): start-up cost rather than cost per decision. */
    static final String JIT_COMPILERS = "of which JIT compiler threads";

    /** The rate steps on one running job. */
    private final class Sweep {
        private final Broker broker;
        private final int prometheusPort;
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final CompilerThreadsCpu compilers = new CompilerThreadsCpu();
        private volatile Window window = new Window(Long.MAX_VALUE);
        private final AtomicBoolean ready = new AtomicBoolean();
        private final AtomicBoolean consuming = new AtomicBoolean(true);
        private final List<List<Float>> vectors = new ArrayList<>();

        Sweep(Broker broker, int prometheusPort) {
            this.broker = broker;
            this.prometheusPort = prometheusPort;
            Random rnd = new Random(43);
            for (int i = 0; i < 1000; i++) {
                List<Float> v = new ArrayList<>();
                for (float x : EmbeddedStack.randomUnitVector(rnd)) v.add(x);
                vectors.add(v);
            }
        }

        List<PipelineBenchResults.Step> run(List<Double> offered) throws Exception {
            Thread consumer = new Thread(this::consume, "decision-consumer");
            consumer.start();
            List<PipelineBenchResults.Step> steps = new ArrayList<>();
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProperties(), new StringSerializer(),
                    new ByteArraySerializer())) {
                awaitFirstDecision(producer);
                for (double r : offered) {
                    PipelineBenchResults.Step step = step(producer, r);
                    steps.add(step);
                    print(step);
                    if (!step.sustained() && !keepGoing && offered.size() > 1) {
                        System.out.println("not sustained: the sweep stops here (--keep-going to continue)");
                        break;
                    }
                }
            } finally {
                consuming.set(false);
                consumer.join(5_000);
            }
            return steps;
        }

        /**
         * The job loads MiniLM and ONNX Runtime before it decides anything: load offered before its first
         * decision would only measure a start-up backlog.
         */
        private void awaitFirstDecision(KafkaProducer<String, byte[]> producer) throws Exception {
            long deadline = System.currentTimeMillis() + 180_000;
            while (!ready.get()) {
                AgentQuery first = AgentQuery.newBuilder().setQueryId("bench-ready-" + UUID.randomUUID())
                        .setNamespace(namespaceName(0)).setText("ready?").setEventTimeMs(System.currentTimeMillis())
                        .setEmbedding(vectors.get(0)).build();
                producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, first.getNamespace(), AvroWire.QUERY.encode(first))).get();
                for (int i = 0; i < 50 && !ready.get(); i++) Thread.sleep(100);
                if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no decision within 180 s: the job did not start");
            }
        }

        private PipelineBenchResults.Step step(KafkaProducer<String, byte[]> producer, double r) throws Exception {
            long sent = 0;
            long measuredSent = 0;
            long startNanos = System.nanoTime();
            long measureStartNanos = startNanos + TimeUnit.SECONDS.toNanos(warmupSeconds);
            long endNanos = measureStartNanos + TimeUnit.SECONDS.toNanos(seconds);
            Window w = null;
            double cpuBefore = 0;
            double brokerCpuBefore = 0;
            double jitCpuBefore = 0;
            Map<Long, Long> threadCpuBefore = null;
            while (true) {
                long nowNanos = System.nanoTime();
                if (nowNanos >= endNanos) break;
                if (r > 0) {
                    long due = startNanos + (long) (sent * 1e9 / r);
                    long wait = due - nowNanos;
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                        continue; // re-check the end of the step after sleeping
                    }
                }
                if (w == null && nowNanos >= measureStartNanos) {
                    w = new Window(System.currentTimeMillis());
                    window = w;
                    cpuBefore = processCpuSeconds();
                    brokerCpuBefore = broker.cpuSeconds();
                    threadCpuBefore = threadCpuNanos();
                    jitCpuBefore = compilers.seconds();
                }
                String ns = namespaceName((int) (sent % namespaces));
                AgentQuery.Builder q = AgentQuery.newBuilder().setQueryId(UUID.randomUUID().toString()).setNamespace(ns)
                        .setUserId("bench").setText("How do I rotate the API keys of service " + (sent % 50) + "?")
                        .setEventTimeMs(System.currentTimeMillis()).setContextK(5);
                if (!textOnly) q.setEmbedding(vectors.get((int) (sent % vectors.size())));
                producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, ns, AvroWire.QUERY.encode(q.build())));
                sent++;
                if (w != null) measuredSent++;
            }
            if (w == null) throw new IllegalStateException("the step ended before its measured window began");
            w.close(System.currentTimeMillis());
            double windowSeconds = (w.toMs - w.fromMs) / 1000.0;
            double cpu = processCpuSeconds() - cpuBefore;
            double brokerCpu = broker.cpuSeconds() - brokerCpuBefore;
            Map<String, Double> threadCpu = busiestThreads(threadCpuBefore, threadCpuNanos(), windowSeconds);
            // What no Java thread accounts for: the JIT compilers and the garbage collector.
            threadCpu.put(JVM_INTERNAL, round(Math.max(0, cpu / windowSeconds - threadCpu.remove(ALL_JAVA_THREADS))));
            double jitCpu = compilers.seconds();
            if (jitCpu >= 0 && jitCpuBefore >= 0) threadCpu.put(JIT_COMPILERS, round((jitCpu - jitCpuBefore) / windowSeconds));
            Map<String, Double> stages = stageMicrosP50();

            long drainUntil = System.currentTimeMillis() + TimeUnit.SECONDS.toMillis(drainSeconds);
            while (System.currentTimeMillis() < drainUntil && w.recorded() < measuredSent) Thread.sleep(50);
            synchronized (w) {
                Histogram e2e = w.endToEndMicros;
                return new PipelineBenchResults.Step(r, measuredSent / windowSeconds, w.arrivals / windowSeconds,
                        e2e.getTotalCount(), Math.max(0, measuredSent - e2e.getTotalCount()),
                        ms(e2e, 50), ms(e2e, 95), ms(e2e, 99), ms(e2e, 99.9), e2e.getMaxValue() / 1000.0,
                        ms(w.inJobMicros, 50), ms(w.inJobMicros, 99), stages,
                        cpu / windowSeconds, brokerCpu / windowSeconds, threadCpu, loadAverage()[0]);
            }
        }

        private Properties producerProperties() {
            Properties p = broker.kafka().clientConfig();
            // A short linger batches at high rates and adds at most 2 ms at low ones.
            p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
            p.put(ProducerConfig.ACKS_CONFIG, "1");
            return p;
        }

        private void consume() {
            Properties p = broker.kafka().clientConfig();
            p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-pipeline-" + UUID.randomUUID());
            p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
            // What an agent sees: with exactly-once, decisions only once their transaction commits.
            p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(Topics.ROUTING_DECISIONS));
                while (consuming.get()) {
                    for (ConsumerRecord<byte[], byte[]> record : c.poll(Duration.ofMillis(20))) {
                        long now = System.currentTimeMillis();
                        RoutingDecision d;
                        try {
                            d = AvroWire.DECISION.decode(record.value());
                        } catch (Exception e) {
                            continue;
                        }
                        ready.set(true);
                        window.record(now, d.getEventTimeMs(), d.getProcessingLatencyUs());
                    }
                }
            }
        }

        /** p50 of each stage histogram the job exports (mean over subtasks), from its Prometheus reporter. */
        private Map<String, Double> stageMicrosP50() {
            Map<String, Double> stages = new LinkedHashMap<>();
            try {
                HttpResponse<String> response = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/metrics"))
                                .timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                stages.putAll(PrometheusStages.p50Micros(response.body()));
            } catch (IOException e) {
                System.err.println("could not read the job's metrics: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return stages;
        }

        private Map<Long, Long> threadCpuNanos() {
            Map<Long, Long> cpu = new HashMap<>();
            for (long id : threads.getAllThreadIds()) {
                long t = threads.getThreadCpuTime(id);
                if (t >= 0) cpu.put(id, t);
            }
            return cpu;
        }

        /** The 15 busiest threads with at least 1% of a core over the window, busiest first, in cores, plus the sum of all. */
        private Map<String, Double> busiestThreads(Map<Long, Long> before, Map<Long, Long> after, double windowSeconds) {
            List<Map.Entry<String, Double>> busy = new ArrayList<>();
            double javaThreads = 0;
            for (Map.Entry<Long, Long> e : after.entrySet()) {
                double cores = (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / 1e9 / windowSeconds;
                javaThreads += cores;
                var info = threads.getThreadInfo(e.getKey());
                if (info != null && cores >= 0.01) busy.add(Map.entry(info.getThreadName() + " #" + e.getKey(), cores));
            }
            busy.sort(Map.Entry.<String, Double>comparingByValue().reversed());
            Map<String, Double> top = new LinkedHashMap<>();
            for (Map.Entry<String, Double> e : busy.subList(0, Math.min(15, busy.size()))) top.put(e.getKey(), round(e.getValue()));
            top.put(ALL_JAVA_THREADS, javaThreads);
            return top;
        }
    }

    /** Decisions of one measured window. The consumer thread records; the benchmark reads after the drain. */
    private static final class Window {
        final long fromMs;
        volatile long toMs = Long.MAX_VALUE;
        final Histogram endToEndMicros = new Histogram(3);
        final Histogram inJobMicros = new Histogram(3);
        long arrivals;

        Window(long fromMs) {
            this.fromMs = fromMs;
        }

        void close(long atMs) {
            toMs = atMs;
        }

        synchronized void record(long arrivedMs, long eventTimeMs, long processingMicros) {
            if (arrivedMs >= fromMs && arrivedMs < toMs) arrivals++;
            if (eventTimeMs >= fromMs && eventTimeMs < toMs) {
                endToEndMicros.recordValue(Math.max(0, arrivedMs - eventTimeMs) * 1000);
                inJobMicros.recordValue(Math.max(0, processingMicros));
            }
        }

        synchronized long recorded() {
            return endToEndMicros.getTotalCount();
        }
    }

    /** Parses the job's stage histograms out of a Prometheus scrape. */
    static final class PrometheusStages {
        private static final Pattern P50 = Pattern.compile(
                "^\\S*_router_(retrievalLatencyUs|scoringLatencyUs|processingLatencyUs)\\{([^}]*)} (\\S+)$", Pattern.MULTILINE);
        private static final Map<String, String> STAGES = Map.of("retrievalLatencyUs", "retrieval", "scoringLatencyUs", "scoring",
                "processingLatencyUs", "in-job total");

        private PrometheusStages() {}

        static Map<String, Double> p50Micros(String scrape) {
            Map<String, double[]> sums = new LinkedHashMap<>();
            Matcher m = P50.matcher(scrape);
            while (m.find()) {
                if (!m.group(2).contains("quantile=\"0.5\"")) continue;
                double v = Double.parseDouble(m.group(3));
                if (Double.isNaN(v)) continue;
                double[] s = sums.computeIfAbsent(STAGES.get(m.group(1)), k -> new double[2]);
                s[0] += v;
                s[1]++;
            }
            Map<String, Double> p50 = new LinkedHashMap<>();
            sums.forEach((stage, s) -> p50.put(stage, round(s[0] / s[1])));
            return p50;
        }
    }

    private void print(PipelineBenchResults.Step s) {
        System.out.printf("%n== %s, parallelism %d, %,d memories in %d namespaces, %s, %s%s%n",
                s.offeredPerSecond() > 0 ? String.format("%.0f queries/s offered", s.offeredPerSecond()) : "as fast as possible",
                parallelism, memories, namespaces, textOnly ? "text only (embedded by the job, " + embedder + " MiniLM)" : "with embeddings", guarantee,
                brokerProcess ? ", broker in its own process" : bootstrap != null ? ", broker " + bootstrap : ", broker in this JVM");
        System.out.printf("sent %.0f/s, sustained %.0f decisions/s over %d s (%d decided, %d not decided within %d s after the window)%s%n",
                s.sentPerSecond(), s.decisionsPerSecond(), seconds, s.decided(), s.undecided(), drainSeconds,
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
            Double jit = s.threadCpuShare().get(JIT_COMPILERS);
            System.out.printf("CPU per decision, ms: this JVM %.2f%s, broker process %.2f%n",
                    1000 * s.jvmCpuCores() / s.decisionsPerSecond(),
                    jit == null ? "" : String.format(" (%.2f without the JIT compiler threads)",
                            1000 * (s.jvmCpuCores() - jit) / s.decisionsPerSecond()),
                    1000 * s.brokerCpuCores() / s.decisionsPerSecond());
        }
    }

    private Broker startBroker(Path work, int partitions) throws Exception {
        if (bootstrap != null) return new ExternalBroker(kafkaProperties.connect(bootstrap));
        if (kafkaProperties.file != null) throw new IllegalArgumentException("--kafka-properties goes with --bootstrap (the benchmark's own broker is PLAINTEXT)");
        if (brokerProcess) return BrokerProcess.start(work.resolve("kafka"), partitions);
        EmbeddedKafkaBroker embedded = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0);
        return new InProcessBroker(embedded);
    }

    /** Where the broker runs, and its CPU when that is its own process. */
    interface Broker extends AutoCloseable {
        String bootstrap();

        default KafkaConnection kafka() {
            return KafkaConnection.plaintext(bootstrap());
        }

        /** CPU seconds of the broker's own process so far; 0 when it shares this JVM or is elsewhere. */
        double cpuSeconds();

        @Override
        void close() throws Exception;
    }

    private record ExternalBroker(KafkaConnection kafka) implements Broker {
        public String bootstrap() {
            return kafka.bootstrap();
        }

        public double cpuSeconds() {
            return 0;
        }

        public void close() {}
    }

    private record InProcessBroker(EmbeddedKafkaBroker broker) implements Broker {
        public String bootstrap() {
            return broker.bootstrapServers();
        }

        public double cpuSeconds() {
            return 0;
        }

        public void close() {
            broker.close();
        }
    }

    /** {@link KafkaBrokerMain} in a child JVM on this JVM's class path; stopped with SIGTERM (then SIGKILL). */
    static final class BrokerProcess implements Broker {
        private final Process process;
        private final String bootstrap;

        private BrokerProcess(Process process, String bootstrap) {
            this.process = process;
            this.bootstrap = bootstrap;
        }

        static BrokerProcess start(Path dataDir, int partitions) throws Exception {
            Files.createDirectories(dataDir);
            Path readyFile = dataDir.resolveSibling("broker.ready");
            Files.deleteIfExists(readyFile);
            Path log = dataDir.resolveSibling("broker.log");
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-cp", System.getProperty("java.class.path"), KafkaBrokerMain.class.getName(),
                    dataDir.toString(), "0", Integer.toString(partitions), readyFile.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // Generous: on a loaded machine (load average 30 on 2 cores) a broker took more than 90 s to start.
            long deadline = System.currentTimeMillis() + 300_000;
            while (!Files.exists(readyFile)) {
                if (!process.isAlive()) throw new IllegalStateException("the broker process exited with " + process.exitValue() + "; see " + log);
                if (System.currentTimeMillis() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the broker process was not ready within 300 s; see " + log);
                }
                Thread.sleep(100);
            }
            System.out.println("broker process " + process.pid() + " ready (log: " + log + ")");
            return new BrokerProcess(process, Files.readString(readyFile).trim());
        }

        public String bootstrap() {
            return bootstrap;
        }

        public double cpuSeconds() {
            return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
        }

        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static double processCpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime() / 1e9;
        return 0;
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
