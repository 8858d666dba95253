package org.agentrouter.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentrouter.runtime.EmbeddedStack;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Topics;
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

/**
 * The steps of {@code ./router bench pipeline} on one running job: a generator at each offered rate (warm-up,
 * measurement, drain) or an idle window without traffic, a consumer of the decisions, and per step the end-to-end
 * latency, the job's stage medians (its Prometheus reporter), and the CPU of the job's process (per thread too), of the
 * broker's and of this one (generator and consumer).
 */
final class PipelineSweep {
    /** The job's HotSpot compiler threads, summed: start-up cost rather than cost per decision. */
    static final String JIT_COMPILERS = "JIT compiler threads (C1, C2)";
    /** Every thread of the job alive at the end of the window, the small ones (each under 1% of a core) included. */
    static final String ALL_THREADS = "all threads";
    /** Offered rate of a step without traffic, and of a step sending as fast as the producer can. */
    static final double IDLE = 0;
    static final double AS_FAST_AS_POSSIBLE = -1;

    private final PipelineBenchCommand settings;
    private final BenchBroker broker;
    private final int prometheusPort;
    private final JobProcess job;
    private final ProcessCpu jobCpu;
    private final JobProfiler profiler;
    private volatile Window window = new Window(Long.MAX_VALUE);
    private final AtomicBoolean ready = new AtomicBoolean();
    private volatile long lastDecisionMs;
    private int stepNumber;
    private final AtomicBoolean consuming = new AtomicBoolean(true);
    private final List<List<Float>> vectors = new ArrayList<>();

    PipelineSweep(PipelineBenchCommand settings, BenchBroker broker, int prometheusPort, JobProcess job, JobProfiler profiler) {
        this.settings = settings;
        this.broker = broker;
        this.prometheusPort = prometheusPort;
        this.job = job;
        this.jobCpu = new ProcessCpu(job.pid());
        this.profiler = profiler;
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
                PipelineBenchResults.Step step = r == IDLE ? idle() : step(producer, r);
                steps.add(step);
                settings.print(step);
                if (!step.sustained() && !settings.keepGoing && offered.size() > 1) {
                    settings.log().println("not sustained: the sweep stops here (--keep-going to continue)");
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
                    .setNamespace(PipelineBenchCommand.namespaceName(0)).setText("ready?").setEventTimeMs(System.currentTimeMillis())
                    .setEmbedding(vectors.get(0)).build();
            producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, first.getNamespace(), AvroWire.QUERY.encode(first))).get();
            for (int i = 0; i < 50 && !ready.get(); i++) Thread.sleep(100);
            if (!job.alive()) throw new IllegalStateException("the job process ended; see " + job.log());
            if (System.currentTimeMillis() > deadline) throw new IllegalStateException("no decision within 180 s: the job did not start");
        }
    }

    /** What the CPU counters read at the start of a window. */
    private final class CpuMark {
        final double job = jobCpu.seconds();
        final double broker = PipelineSweep.this.broker.cpuSeconds();
        final double bench = processCpuSeconds();
        final Map<String, Long> jobThreads = jobCpu.threadTicks();
    }

    /**
     * No queries for {@code --idle-seconds}, once the previous step's backlog is decided (no decision for 5 s, 10 s at
     * least, 5 minutes at most): what an idle router costs, i.e. the job's and the broker's fixed cost.
     */
    private PipelineBenchResults.Step idle() throws InterruptedException {
        long start = System.currentTimeMillis();
        Thread.sleep(10_000);
        while (System.currentTimeMillis() - lastDecisionMs < 5_000 && System.currentTimeMillis() - start < 300_000) Thread.sleep(500);
        Window w = new Window(System.currentTimeMillis());
        window = w;
        if (profiler != null) profiler.start();
        CpuMark before = new CpuMark();
        Thread.sleep(settings.idleSeconds.toMillis());
        w.close(System.currentTimeMillis());
        return measured(IDLE, before, w, 0, ++stepNumber + "-idle");
    }

    private PipelineBenchResults.Step step(KafkaProducer<String, byte[]> producer, double r) throws Exception {
        long sent = 0;
        long measuredSent = 0;
        long startNanos = System.nanoTime();
        long measureStartNanos = startNanos + settings.warmupSeconds.toNanos();
        long endNanos = measureStartNanos + settings.seconds.toNanos();
        Window w = null;
        CpuMark before = null;
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
                if (profiler != null) profiler.start();
                before = new CpuMark();
            }
            String ns = PipelineBenchCommand.namespaceName((int) (sent % settings.namespaces));
            AgentQuery.Builder q = AgentQuery.newBuilder().setQueryId(UUID.randomUUID().toString()).setNamespace(ns)
                    .setUserId("bench").setText("How do I rotate the API keys of service " + (sent % 50) + "?")
                    .setEventTimeMs(System.currentTimeMillis()).setContextK(5);
            if (!settings.textOnly) q.setEmbedding(vectors.get((int) (sent % vectors.size())));
            producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, ns, AvroWire.QUERY.encode(q.build())));
            sent++;
            if (w != null) measuredSent++;
        }
        if (w == null) throw new IllegalStateException("the step ended before its measured window began");
        w.close(System.currentTimeMillis());
        return measured(r, before, w, measuredSent, ++stepNumber + "-" + (r > 0 ? String.format("%.0f", r) : "max"));
    }

    private PipelineBenchResults.Step measured(double r, CpuMark before, Window w, long measuredSent, String label)
            throws InterruptedException {
        CpuMark after = new CpuMark();
        String flameGraph = null;
        if (profiler != null) {
            Path html = profiler.stop(label);
            flameGraph = html == null ? null : html.toString();
        }
        double windowSeconds = (w.toMs - w.fromMs) / 1000.0;
        Map<String, Double> threadCpu = busiestThreads(before.jobThreads, after.jobThreads, windowSeconds);
        Map<String, Double> stages = stageMicrosP50();

        long drainUntil = System.currentTimeMillis() + settings.drainSeconds.toMillis();
        while (System.currentTimeMillis() < drainUntil && w.recorded() < measuredSent) Thread.sleep(50);
        synchronized (w) {
            Histogram e2e = w.endToEndMicros;
            double decisionsPerSecond = w.arrivals / windowSeconds;
            double jobCores = (after.job - before.job) / windowSeconds;
            double brokerCores = (after.broker - before.broker) / windowSeconds;
            return new PipelineBenchResults.Step(r, measuredSent / windowSeconds, decisionsPerSecond,
                    e2e.getTotalCount(), Math.max(0, measuredSent - e2e.getTotalCount()),
                    ms(e2e, 50), ms(e2e, 95), ms(e2e, 99), ms(e2e, 99.9), e2e.getMaxValue() / 1000.0,
                    ms(w.inJobMicros, 50), ms(w.inJobMicros, 99), stages,
                    round(jobCores), round(brokerCores), round((after.bench - before.bench) / windowSeconds),
                    perDecisionMicros(jobCores, decisionsPerSecond), perDecisionMicros(brokerCores, decisionsPerSecond),
                    threadCpu, PipelineBenchCommand.loadAverage()[0], flameGraph);
        }
    }

    /** CPU microseconds per decision; null when the window decided nothing (an idle step). */
    private static Double perDecisionMicros(double cores, double decisionsPerSecond) {
        return decisionsPerSecond < 1 ? null : Math.round(cores * 1e6 / decisionsPerSecond * 10) / 10.0;
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
                    lastDecisionMs = now;
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

    /**
     * The job's 15 busiest threads with at least 1% of a core over the window, busiest first, in cores, and the
     * compiler threads' sum ({@link #JIT_COMPILERS}).
     */
    static Map<String, Double> busiestThreads(Map<String, Long> before, Map<String, Long> after, double windowSeconds) {
        List<Map.Entry<String, Double>> busy = new ArrayList<>();
        double jit = 0;
        double all = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            double cores = (e.getValue() - before.getOrDefault(e.getKey(), 0L)) / ProcessCpu.TICKS_PER_SECOND / windowSeconds;
            if (e.getKey().startsWith("C1 CompilerThre") || e.getKey().startsWith("C2 CompilerThre")) jit += cores;
            all += cores;
            if (cores >= 0.01) busy.add(Map.entry(e.getKey(), cores));
        }
        busy.sort(Map.Entry.<String, Double>comparingByValue().reversed());
        Map<String, Double> top = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : busy.subList(0, Math.min(15, busy.size()))) top.put(e.getKey(), round(e.getValue()));
        top.put(JIT_COMPILERS, round(jit));
        top.put(ALL_THREADS, round(all));
        return top;
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
}
