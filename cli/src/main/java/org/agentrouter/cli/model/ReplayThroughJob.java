package org.agentrouter.cli.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.agentrouter.job.JobOptions;
import org.agentrouter.learning.LearnerFiles;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.memory.MemoryLedger;
import org.agentrouter.replay.LearnerReplay;
import org.agentrouter.replay.ReplayData;
import org.agentrouter.replay.ReplayMetrics;
import org.agentrouter.replay.ReplayNamespace;
import org.agentrouter.replay.ReplayRun;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.TopicAdmin;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Topics;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The replay's stream through the real pipeline (issue 21, {@code ./router replay --through-job}): an in-process Kafka
 * broker, the routing job on a MiniCluster with {@code --learning on} and the replay's learner settings, each query
 * published to {@code agent-queries}, its decision read from {@code routing-decisions}, its outcome (plus the other
 * model's for a probe) published to {@code routing-feedback} as an agent would.
 *
 * <p>Order: a namespace's next query is published only once the job has applied the previous one's feedback. The
 * job's acknowledgement is the episode it publishes to {@code agent-memories} for an applied outcome
 * ({@code fb-<query id>}): the retrieval operator adds the outcome to the namespace's learner state before it emits
 * that episode, and the namespace's next query reaches the same keyed operator after it. So the job decides each query
 * with exactly the outcomes the in-process replay had, whatever the broker's and the job's timing. Namespaces are
 * independent, so all of them are in flight at once (one query each).
 */
public final class ReplayThroughJob implements ReplayRun.StreamDecider {
    private final Path workDir;
    private final Duration timeout;
    private final int parallelism;
    private int runs;

    public ReplayThroughJob(Path workDir, Duration timeout, int parallelism) {
        this.workDir = workDir;
        this.timeout = timeout;
        this.parallelism = parallelism;
    }

    /** Where one namespace's replay stands. */
    private static final class Cursor {
        final ReplayNamespace ns;
        int pos;
        RoutingDecision pending;

        Cursor(ReplayNamespace ns) {
            this.ns = ns;
        }
    }

    @Override
    public List<ReplayMetrics.Decision> replay(List<ReplayNamespace> namespaces, ReplayData data, LearnerSettings settings,
                                               LearnerReplay.Feedback feedback) throws Exception {
        Path dir = workDir.resolve("run-" + runs++);
        Path learner = dir.resolve("learner.json");
        LearnerFiles.write(settings, Map.of("written_by", "./router replay --through-job"), learner);
        String strongRoute = PricingTable.defaults().tier(PricingTable.defaults().strongest()).route;
        String weakRoute = PricingTable.defaults().tier(0).route;
        Map<String, ReplayMetrics.Decision[]> decided = new HashMap<>();
        for (ReplayNamespace ns : namespaces) decided.put(ns.name(), new ReplayMetrics.Decision[ns.size()]);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            TopicAdmin.ensure(bootstrap, 1, Duration.ofSeconds(30));
            JobOptions options = new JobOptions();
            options.parallelism = parallelism;
            options.learning = "on";
            options.coldStart = learner.toString();
            // The in-process replay decides at the settings' first calibrated alpha (a replay's settings have one).
            options.alpha = settings.alphas()[0];
            options.checkpointIntervalMs = 30_000;
            options.healthIntervalMs = 0;
            options.logDecisionsEvery = 0;
            // The feedback and the episode echo are on the decision path here: flush them as fast as decisions.
            options.sideBufferTimeoutMs = -1;
            JobClient job = LocalRouterJob.start(bootstrap, options, 0, 0, dir.resolve("job"));
            try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
                 KafkaConsumer<String, byte[]> decisions = consumer(bootstrap, Topics.ROUTING_DECISIONS);
                 KafkaConsumer<String, byte[]> echoes = consumer(bootstrap, Topics.AGENT_MEMORIES)) {
                Map<String, Cursor> byQuery = new HashMap<>();
                Map<String, Cursor> byEpisode = new HashMap<>();
                int remaining = 0;
                for (ReplayNamespace ns : namespaces) {
                    remaining += ns.size();
                    if (ns.size() > 0) send(new Cursor(ns), data, producer, byQuery);
                }
                producer.flush();
                long started = System.nanoTime();
                long deadline = started + timeout.toNanos();
                while (remaining > 0) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException(remaining + " queries not decided within " + timeout);
                    }
                    boolean sent = false;
                    for (ConsumerRecord<String, byte[]> r : decisions.poll(Duration.ofMillis(20))) {
                        RoutingDecision d = AvroWire.DECISION.decode(r.value());
                        Cursor c = byQuery.remove(d.getQueryId());
                        if (c == null) continue;
                        int pos = c.pos;
                        ReplayNamespace ns = c.ns;
                        boolean strong = strongRoute.equals(d.getRoute());
                        boolean probe = d.getProbe();
                        double w = ns.weak()[pos], s = ns.strong()[pos];
                        boolean both = probe || feedback == LearnerReplay.Feedback.BOTH;
                        decided.get(ns.name())[pos] = ReplayMetrics.Decision.of(ns, pos, strong, probe, d.getPStrong(), data.goodAt);
                        // The agent's report: the answering model's outcome, and the other's when it was asked (or told) to call both.
                        RoutingFeedback.Builder f = RoutingFeedback.newBuilder().setQueryId(d.getQueryId()).setNamespace(ns.name())
                                .setModel(d.getModel()).setRoute(d.getRoute()).setSuccess((strong ? s : w) >= data.goodAt)
                                .setEventTimeMs(0).setModelVersion(d.getModelVersion()).setAlpha(d.getAlpha());
                        if (both) f.setProbeRoute(strong ? weakRoute : strongRoute).setProbeSuccess((strong ? w : s) >= data.goodAt);
                        producer.send(new ProducerRecord<>(Topics.ROUTING_FEEDBACK, ns.name(), AvroWire.FEEDBACK.encode(f.build())));
                        byEpisode.put(MemoryLedger.EPISODE_PREFIX + d.getQueryId(), c);
                        sent = true;
                    }
                    for (ConsumerRecord<String, byte[]> r : echoes.poll(Duration.ofMillis(sent ? 0 : 20))) {
                        Cursor c = byEpisode.remove(r.key());
                        if (c == null) continue;
                        remaining--;
                        if (remaining % 500 == 0) {
                            System.err.printf("through the job: %d queries to go (%.0f s)%n", remaining, (System.nanoTime() - started) / 1e9);
                        }
                        if (++c.pos < c.ns.size()) {
                            send(c, data, producer, byQuery);
                        }
                        sent = true;
                    }
                    if (sent) producer.flush();
                }
            } finally {
                job.cancel().get();
            }
        }
        List<ReplayMetrics.Decision> out = new ArrayList<>();
        for (ReplayNamespace ns : namespaces) out.addAll(List.of(decided.get(ns.name())));
        return out;
    }

    private static void send(Cursor c, ReplayData data, KafkaProducer<String, byte[]> producer, Map<String, Cursor> byQuery) {
        var q = data.query(c.ns.rows()[c.pos], c.ns.name());
        byQuery.put(q.getQueryId(), c);
        producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, c.ns.name(), AvroWire.QUERY.encode(q)));
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /** Reads one topic from its start (a fresh broker: everything on it is this run's). */
    private static KafkaConsumer<String, byte[]> consumer(String bootstrap, String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
        c.assign(parts);
        c.seekToBeginning(parts);
        return c;
    }
}
