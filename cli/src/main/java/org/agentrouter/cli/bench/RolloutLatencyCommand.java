package org.agentrouter.cli.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.job.JobOptions;
import org.agentrouter.runtime.DemoData;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
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
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.runtime.TopicAdmin;
/**
 * Benchmark of a live model swap: an in-process broker and the routing job on a MiniCluster, demo
 * queries at a steady rate, and N releases published one after the other (each waits for the previous
 * to make a decision). Measures, from the decisions themselves (stamped in the same JVM), the time from
 * publishing a release to the first decision made by it, and the job's processing latency of queries
 * decided within a window after a publish versus the rest.
 */
@Command(name = "rollout-latency", mixinStandardHelpOptions = true,
        description = {"Benchmark: publish N model releases into a running job under a steady query stream and print",
            "HdrHistogram percentiles of publish -> first decision by the new version, and of the job's processing",
            "latency during swaps versus steady state. Starts its own broker and job (nothing else needed)."})
public final class RolloutLatencyCommand implements Callable<Integer> {
    @Option(names = "--releases", description = "releases published (default: ${DEFAULT-VALUE})")
    int releases = 50;

    @Option(names = "--rate", description = "queries per second (default: ${DEFAULT-VALUE})")
    double rate = 100;

    @Option(names = "--swap-window-ms", description = "decisions this long after a publish count as 'during a swap' (default: ${DEFAULT-VALUE})")
    long swapWindowMs = 250;

    @Option(names = "--gap-ms", description = "steady time between a swap and the next publish (default: ${DEFAULT-VALUE})")
    long gapMs = 500;

    @Option(names = "--dir", description = "broker data, demo store and checkpoints (default: ${DEFAULT-VALUE})")
    Path dir = Path.of(".run/rollout-latency");

    @Override
    public Integer call() throws Exception {
        Path base = dir.toAbsolutePath();
        JobOptions options = new JobOptions();
        options.store = base.resolve("memory.db");
        options.logDecisionsEvery = 0;
        DemoData.ensureStore(options.store);
        List<AgentQuery> pool = embeddedQueries(64);
        ModelRelease template = ModelReleases.fromClasspath("models/default");

        Histogram publishToDecisionMs = new Histogram(60_000, 3);
        Histogram publishToAcceptedMs = new Histogram(60_000, 3);
        Map<String, Long> acceptedAt = new ConcurrentHashMap<>();
        Recorder swapUs = new Recorder(3);
        Recorder steadyUs = new Recorder(3);
        Map<String, Long> firstDecisionAt = new ConcurrentHashMap<>();
        AtomicLong lastPublishMs = new AtomicLong(Long.MIN_VALUE / 2);
        AtomicBoolean running = new AtomicBoolean(true);
        // A trickle until the job decides: a full-rate backlog built up while it starts would queue inside
        // the job for many seconds and be measured as latency.
        AtomicBoolean fullRate = new AtomicBoolean(false);

        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(base.resolve("kafka-" + UUID.randomUUID()), 0)) {
            String bootstrap = broker.bootstrapServers();
            TopicAdmin.ensure(bootstrap, 2, Duration.ofSeconds(30));
            JobClient job = LocalRouterJob.start(bootstrap, options, 0, 0, base.resolve("job"));
            Thread queries = new Thread(() -> produceQueries(bootstrap, pool, running, fullRate), "rollout-latency-queries");
            Thread decisions = new Thread(() -> readDecisions(bootstrap, running, firstDecisionAt, acceptedAt, lastPublishMs, swapUs, steadyUs),
                    "rollout-latency-decisions");
            queries.start();
            decisions.start();
            try (KafkaProducer<String, byte[]> models = producer(bootstrap)) {
                waitFor(firstDecisionAt, template.getVersion(), Duration.ofSeconds(120));
                fullRate.set(true);
                Thread.sleep(3_000); // warm-up at the full rate
                System.err.printf("job deciding with %s; publishing %d releases at %.0f queries/s%n",
                        template.getVersion(), releases, rate);
                swapUs.reset();
                steadyUs.reset();
                for (int i = 1; i <= releases; i++) {
                    String version = "1." + i + ".0";
                    ModelRelease r = ModelRelease.newBuilder(template).setVersion(version)
                            .setPublishedAtMs(System.currentTimeMillis()).build();
                    byte[] bytes = AvroWire.MODEL_RELEASE.encode(r);
                    long publishedAt = System.currentTimeMillis();
                    lastPublishMs.set(publishedAt);
                    models.send(new ProducerRecord<>(Topics.ROUTER_MODELS, r.getName(), bytes)).get();
                    long decidedAt = waitFor(firstDecisionAt, version, Duration.ofSeconds(30));
                    publishToDecisionMs.recordValue(Math.max(0, decidedAt - publishedAt));
                    publishToAcceptedMs.recordValue(Math.max(0, waitFor(acceptedAt, version, Duration.ofSeconds(30)) - publishedAt));
                    Thread.sleep(gapMs);
                }
            } finally {
                running.set(false);
                queries.join();
                decisions.join();
                job.cancel().get();
            }
        }
        System.out.printf("%s, %d releases, %.0f queries/s, parallelism %d%n", Instant.now(), releases, rate, options.parallelism);
        print("publish -> accepted by the scorer, session swapped (ms)", publishToAcceptedMs);
        print("publish -> first decision by the new version (ms)", publishToDecisionMs);
        print("processing latency, decided within " + swapWindowMs + " ms after a publish (us)", swapUs.getIntervalHistogram());
        print("processing latency, steady state (us)", steadyUs.getIntervalHistogram());
        return 0;
    }

    private static void print(String what, Histogram h) {
        System.out.printf("%-75s n=%-6d p50=%-7d p90=%-7d p99=%-7d max=%d%n", what, h.getTotalCount(),
                h.getValueAtPercentile(50), h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getMaxValue());
    }

    /** @return the decided_at_ms of the first decision made by {@code version} */
    private static long waitFor(Map<String, Long> firstDecisionAt, String version, Duration timeout) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            Long at = firstDecisionAt.get(version);
            if (at != null) return at;
            Thread.sleep(1);
        }
        throw new IllegalStateException("no decision by model " + version + " within " + timeout);
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Demo queries that carry their embedding, so the job skips MiniLM (milliseconds per query on this
     * machine) and the stream measures the swap, not the embedding stage's capacity.
     */
    private static List<AgentQuery> embeddedQueries(int n) {
        Random rnd = new Random(5);
        List<AgentQuery> pool = new ArrayList<>(n);
        try (MiniLmEmbedder embedder = new MiniLmEmbedder()) {
            for (int i = 0; i < n; i++) {
                AgentQuery q = DemoData.query(rnd);
                List<Float> embedding = new ArrayList<>();
                for (float x : embedder.embed(q.getText())) embedding.add(x);
                pool.add(AgentQuery.newBuilder(q).setEmbedding(embedding).build());
            }
        }
        return pool;
    }

    private void produceQueries(String bootstrap, List<AgentQuery> pool, AtomicBoolean running, AtomicBoolean fullRate) {
        Random rnd = new Random(5);
        try (KafkaProducer<String, byte[]> out = producer(bootstrap)) {
            long next = System.nanoTime();
            while (running.get()) {
                AgentQuery q = AgentQuery.newBuilder(pool.get(rnd.nextInt(pool.size())))
                        .setQueryId(UUID.randomUUID().toString()).setEventTimeMs(System.currentTimeMillis()).build();
                out.send(new ProducerRecord<>(Topics.AGENT_QUERIES, q.getNamespace(), AvroWire.QUERY.encode(q)));
                next += fullRate.get() ? (long) (1e9 / rate) : 200_000_000L;
                long sleep = next - System.nanoTime();
                if (sleep > 0) Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void readDecisions(String bootstrap, AtomicBoolean running, Map<String, Long> firstDecisionAt,
            Map<String, Long> acceptedAt, AtomicLong lastPublishMs, Recorder swapUs, Recorder steadyUs) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "rollout-latency-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<byte[], byte[]> in = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            in.subscribe(List.of(Topics.ROUTING_DECISIONS, Topics.MODEL_EVENTS));
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : in.poll(Duration.ofMillis(20))) {
                    if (r.topic().equals(Topics.MODEL_EVENTS)) {
                        try {
                            ModelEvent e = AvroWire.MODEL_EVENT.decode(r.value());
                            if (e.getEvent().equals("accepted")) acceptedAt.merge(e.getModelVersion(), e.getAtMs(), Math::max);
                        } catch (WireFormatException e) {
                            // not ours to judge here
                        }
                        continue;
                    }
                    RoutingDecision d;
                    try {
                        d = AvroWire.DECISION.decode(r.value());
                    } catch (WireFormatException e) {
                        continue;
                    }
                    firstDecisionAt.merge(d.getModelVersion(), d.getDecidedAtMs(), Math::min);
                    long sincePublish = d.getDecidedAtMs() - lastPublishMs.get();
                    Recorder into = sincePublish >= 0 && sincePublish <= swapWindowMs ? swapUs : steadyUs;
                    into.recordValue(Math.max(0, d.getProcessingLatencyUs()));
                }
            }
        }
    }
}
