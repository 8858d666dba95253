package org.agentrouter.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.agentrouter.job.JobOptions;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.runtime.EmbeddedStack;
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
 * The whole job under load: an in-process broker, a store of random memories, the routing job on a
 * MiniCluster, a generator at a fixed rate (or as fast as the broker takes it) and a consumer of the
 * decisions. Latency is query event time to the decision's arrival at the consumer (all in one JVM, one
 * clock); throughput is decisions per second over the measured window.
 */
@Command(name = "pipeline", mixinStandardHelpOptions = true,
        description = {"Benchmark: the real job (embedded Kafka + MiniCluster) under a query generator; prints sustained",
            "throughput, end-to-end latency percentiles (HdrHistogram), the job's own processing latency and CPU use."})
final class PipelineBenchCommand implements Callable<Integer> {
    @Option(names = "--rate", description = "queries per second, 0 for as fast as possible (default: ${DEFAULT-VALUE})")
    double rate = 1000;

    @Option(names = "--seconds", description = "measured seconds (default: ${DEFAULT-VALUE})")
    int seconds = 20;

    @Option(names = "--warmup-seconds", description = "seconds at the same rate before measuring (default: ${DEFAULT-VALUE})")
    int warmupSeconds = 10;

    @Option(names = "--memories", description = "random memories in the store (default: ${DEFAULT-VALUE})")
    int memories = 10_000;

    @Option(names = "--namespaces", description = "namespaces the memories and queries are spread over (default: ${DEFAULT-VALUE})")
    int namespaces = 4;

    @Option(names = "--parallelism", description = "job parallelism (default: ${DEFAULT-VALUE})")
    int parallelism = 1;

    @Option(names = "--guarantee", description = "at-least-once or exactly-once (default: ${DEFAULT-VALUE})")
    String guarantee = "at-least-once";

    @Option(names = "--text-only", description = "queries without embeddings: the job embeds them with MiniLM")
    boolean textOnly;

    @Option(names = "--dir", description = "working directory (default: a new temporary one)")
    Path dir;

    @Override
    public Integer call() throws Exception {
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("bench-pipeline");
        Random rnd = new Random(42);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0)) {
            Topics.ensure(broker.bootstrapServers(), Math.max(2, parallelism), Duration.ofSeconds(30));
            JobOptions options = new JobOptions();
            options.store = work.resolve("memory.db");
            options.parallelism = parallelism;
            options.guarantee = guarantee;
            options.checkpointIntervalMs = 1000;
            options.logDecisionsEvery = 0;
            writeStore(options.store, rnd);
            JobClient job = LocalRouterJob.start(broker.bootstrapServers(), options, 0, 0, work.resolve("job"));
            try {
                return run(broker.bootstrapServers(), rnd);
            } finally {
                job.cancel().get();
            }
        }
    }

    private int run(String bootstrap, Random rnd) throws Exception {
        List<List<Float>> vectors = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            List<Float> v = new ArrayList<>();
            for (float x : EmbeddedStack.randomUnitVector(rnd)) v.add(x);
            vectors.add(v);
        }
        Histogram endToEndMicros = new Histogram(3);
        Histogram inJobMicros = new Histogram(3);
        AtomicLong decided = new AtomicLong();
        AtomicLong measureFromMs = new AtomicLong(Long.MAX_VALUE);
        AtomicBoolean consuming = new AtomicBoolean(true);
        AtomicBoolean ready = new AtomicBoolean(false);
        Thread consumer = new Thread(() -> consume(bootstrap, endToEndMicros, inJobMicros, decided, measureFromMs, consuming, ready),
                "decision-consumer");
        consumer.start();

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "2");
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        // The job loads MiniLM and ONNX Runtime before it decides anything: load offered before its first
        // decision would only measure a startup backlog. Wait for one decision first.
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            AgentQuery first = AgentQuery.newBuilder().setQueryId("bench-ready").setNamespace(EmbeddedStack.NAMESPACE + "-0")
                    .setText("ready?").setEventTimeMs(System.currentTimeMillis()).setEmbedding(vectors.get(0)).build();
            producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, first.getNamespace(), AvroWire.QUERY.encode(first))).get();
        }
        long readyDeadline = System.currentTimeMillis() + 180_000;
        while (!ready.get()) {
            if (System.currentTimeMillis() > readyDeadline) throw new IllegalStateException("no decision within 180 s: the job did not start");
            Thread.sleep(100);
        }
        long sent = 0;
        long measuredSent = 0;
        double cpuBefore = 0;
        long startNanos = System.nanoTime();
        long measureStartNanos = startNanos + Duration.ofSeconds(warmupSeconds).toNanos();
        long endNanos = measureStartNanos + Duration.ofSeconds(seconds).toNanos();
        boolean measuring = false;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            while (System.nanoTime() < endNanos) {
                if (rate > 0) {
                    long due = startNanos + (long) (sent * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                if (!measuring && System.nanoTime() >= measureStartNanos) {
                    measuring = true;
                    measureFromMs.set(System.currentTimeMillis());
                    cpuBefore = processCpuSeconds();
                }
                String ns = EmbeddedStack.NAMESPACE + "-" + (sent % namespaces);
                AgentQuery.Builder q = AgentQuery.newBuilder().setQueryId(UUID.randomUUID().toString()).setNamespace(ns)
                        .setUserId("bench").setText("How do I rotate the API keys of service " + (sent % 50) + "?")
                        .setEventTimeMs(System.currentTimeMillis()).setContextK(5);
                if (!textOnly) q.setEmbedding(vectors.get((int) (sent % vectors.size())));
                producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, ns, AvroWire.QUERY.encode(q.build())));
                sent++;
                if (measuring) measuredSent++;
            }
        }
        double cpu = processCpuSeconds() - cpuBefore;
        long decidedAtEnd = decided.get();
        // Let the decisions of the measured window drain, then stop.
        long drainUntil = System.currentTimeMillis() + 10_000;
        while (System.currentTimeMillis() < drainUntil && endToEndMicros.getTotalCount() < measuredSent) Thread.sleep(100);
        consuming.set(false);
        consumer.join(5_000);

        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf("pipeline: %s, parallelism %d, %d memories in %d namespaces, queries %s, %s%n",
                rate > 0 ? String.format("%.0f queries/s offered", rate) : "as fast as possible", parallelism, memories,
                namespaces, textOnly ? "text only (embedded by the job)" : "with embeddings", guarantee);
        System.out.printf("offered %.0f/s, sustained %.0f decisions/s over %d s (%d sent, %d decided in the window)%n",
                measuredSent / (double) seconds, decidedAtEnd / (double) seconds, seconds, measuredSent, decidedAtEnd);
        System.out.printf("end to end (event time -> decision consumed), ms: p50 %.1f  p95 %.1f  p99 %.1f  p99.9 %.1f  max %.1f  (n=%d)%n",
                ms(endToEndMicros, 50), ms(endToEndMicros, 95), ms(endToEndMicros, 99), ms(endToEndMicros, 99.9),
                endToEndMicros.getMaxValue() / 1000.0, endToEndMicros.getTotalCount());
        System.out.printf("in the job (decode -> decision), ms: p50 %.2f  p99 %.2f%n", ms(inJobMicros, 50), ms(inJobMicros, 99));
        System.out.printf("CPU (this JVM: broker, job, generator): %.0f%% of %d cores%n", 100 * cpu / seconds / cores, cores);
        return 0;
    }

    private void consume(String bootstrap, Histogram endToEnd, Histogram inJob, AtomicLong decided, AtomicLong measureFromMs,
                         AtomicBoolean consuming, AtomicBoolean ready) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-pipeline-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.ROUTING_DECISIONS));
            while (consuming.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                    long now = System.currentTimeMillis();
                    RoutingDecision d;
                    try {
                        d = AvroWire.DECISION.decode(r.value());
                    } catch (Exception e) {
                        continue;
                    }
                    ready.set(true);
                    if (d.getEventTimeMs() < measureFromMs.get()) continue;
                    endToEnd.recordValue(Math.max(0, now - d.getEventTimeMs()) * 1000);
                    inJob.recordValue(Math.max(0, d.getProcessingLatencyUs()));
                    decided.incrementAndGet();
                }
            }
        }
    }

    private void writeStore(Path db, Random rnd) {
        List<String> names = new ArrayList<>();
        for (int n = 0; n < namespaces; n++) names.add(EmbeddedStack.NAMESPACE + "-" + n);
        RandomMemoryStore.write(db, rnd, names, Math.max(1, memories / namespaces), "bench-pipeline");
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static double processCpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) return sun.getProcessCpuTime() / 1e9;
        return 0;
    }
}
