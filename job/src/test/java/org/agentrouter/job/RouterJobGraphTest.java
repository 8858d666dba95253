package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.agentrouter.flink.KafkaMessage;
import org.agentrouter.flink.RawRecord;
import org.agentrouter.flink.RouterConfig;
import org.agentrouter.memory.MemoryMessages;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.DeadLetter;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.schema.RoutingMetric;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.SemanticVersion;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Embeddings;
import org.agentrouter.wire.Topics;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The whole job graph of {@link RouterJob} on a Flink MiniCluster, fed by bounded sources and written to collecting
 * sinks through {@link RouterEndpoints}: no broker, the same operators, uids and wiring as on Kafka. Every valid
 * query is decided once (and measured once), a record that is not a query is dead-lettered by the decode stage, and
 * a release on the model stream is accepted or refused by every scorer. The order in which the four sources'
 * records meet is Flink's to choose, so nothing here depends on it (the broker tests check retrieval of memories).
 */
class RouterJobGraphTest {
    /** What the sinks of a run collected, by sink name (the sinks are serialized into the job, so a static). */
    static final Map<String, List<byte[]>> COLLECTED = new ConcurrentHashMap<>();

    /** Keeps every message's value (copied: the job reuses objects). */
    record CollectingSink(String name) implements Sink<KafkaMessage> {
        @Override
        public SinkWriter<KafkaMessage> createWriter(WriterInitContext context) {
            List<byte[]> into = COLLECTED.computeIfAbsent(name, n -> java.util.Collections.synchronizedList(new ArrayList<>()));
            return new SinkWriter<>() {
                public void write(KafkaMessage m, Context c) {
                    into.add(m.value.clone());
                }

                public void flush(boolean endOfInput) {}

                public void close() {}
            };
        }
    }

    /** A bounded source of these records' bytes, as the Kafka source would deliver them from {@code topic}. */
    private static DataGeneratorSource<RawRecord> records(String topic, List<byte[]> values) {
        ArrayList<byte[]> copy = new ArrayList<>(values);
        return new DataGeneratorSource<>(i -> new RawRecord(copy.get((int) (long) i), topic, 0, i), copy.size(),
                RateLimiterStrategy.noOp(), TypeInformation.of(RawRecord.class));
    }

    private static DataGeneratorSource<byte[]> bytes(List<byte[]> values) {
        ArrayList<byte[]> copy = new ArrayList<>(values);
        return new DataGeneratorSource<>(i -> copy.get((int) (long) i), copy.size(), RateLimiterStrategy.noOp(),
                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }

    private static float[] unit(Random rnd) {
        float[] v = new float[Embeddings.DIM];
        double n = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
            n += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
        return v;
    }

    /** Savepoints map state to operators by uid: these must never change (RescaleIT restores through them). */
    @Test
    void theOperatorUidsOfTheKafkaJobAreTheOnesInSavepoints() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
        RouterJob.onKafka(env, "127.0.0.1:9", new JobOptions());
        Set<String> uids = env.getStreamGraph().getStreamNodes().stream()
                .map(n -> n.getTransformationUID()).filter(u -> u != null).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expected = new TreeSet<>(List.of("agent-queries-source", "health-ticks-source", "router-models-source", "decode", "embed",
                "routing-feedback-source", "decode-feedback", "agent-memories-source", "decode-memories", "retrieve", "score",
                "route", "guarantee-monitor", "rollout-judge", "routing-decisions-sink", "routing-metrics-sink", "model-events-sink",
                "router-health-sink", "agent-memories-sink", "dead-letter-sink", "rollout-controls-sink"));
        // Flink derives each Kafka sink's committer uid from the sink's.
        for (String uid : List.copyOf(expected)) if (uid.endsWith("-sink")) expected.add("Sink Committer: " + uid);
        assertEquals(expected, uids);
    }

    /**
     * Issue 19: each network output with a buffer timeout has a flusher thread; the decision path flushes every
     * --buffer-timeout-ms, the paths that carry a few records a minute every --side-buffer-timeout-ms.
     */
    @Test
    void onlyTheDecisionPathFlushesItsBuffersEveryFewMilliseconds() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
        JobOptions options = new JobOptions();
        RouterJob.onKafka(env, "127.0.0.1:9", options);
        java.util.Map<String, Long> timeouts = new java.util.TreeMap<>();
        for (var n : env.getStreamGraph().getStreamNodes()) {
            if (n.getTransformationUID() != null) timeouts.put(n.getTransformationUID(), n.getBufferTimeout());
        }
        for (String uid : List.of("agent-queries-source", "decode", "embed", "retrieve", "score", "route")) {
            assertEquals(options.bufferTimeoutMs, timeouts.get(uid), uid);
        }
        for (String uid : List.of("health-ticks-source", "router-models-source", "routing-feedback-source", "decode-feedback",
                "agent-memories-source", "decode-memories", "guarantee-monitor", "rollout-judge")) {
            assertEquals(options.sideBufferTimeoutMs, timeouts.get(uid), uid);
        }

        options.sideBufferTimeoutMs = -1;
        StreamExecutionEnvironment same = StreamExecutionEnvironment.createLocalEnvironment(1, new Configuration());
        RouterJob.onKafka(same, "127.0.0.1:9", options);
        for (var n : same.getStreamGraph().getStreamNodes()) {
            if (n.getTransformationUID() != null && !n.getTransformationUID().startsWith("Sink Committer")) {
                assertEquals(options.bufferTimeoutMs, n.getBufferTimeout(), n.getTransformationUID());
            }
        }
    }

    @Test
    void anIdleKafkaSourceAsksTheBrokerEveryFewSecondsUnlessTheClientSettingsSayOtherwise() {
        KafkaEndpoints endpoints = new KafkaEndpoints("127.0.0.1:9", "g", org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE);
        assertEquals(KafkaEndpoints.IDLE_FETCH_WAIT_MS, fetchWait(endpoints.querySource()));
        assertEquals(KafkaEndpoints.IDLE_FETCH_WAIT_MS, fetchWait(endpoints.modelSource()));
        java.util.Properties own = new java.util.Properties();
        own.setProperty("fetch.max.wait.ms", "250");
        KafkaEndpoints configured = new KafkaEndpoints(KafkaConnection.of("127.0.0.1:9", own), "g",
                org.apache.flink.connector.base.DeliveryGuarantee.AT_LEAST_ONCE);
        assertEquals("250", fetchWait(configured.feedbackSource()));
    }

    private static String fetchWait(org.apache.flink.connector.kafka.source.KafkaSource<?> source) {
        try {
            var f = org.apache.flink.connector.kafka.source.KafkaSource.class.getDeclaredField("props");
            f.setAccessible(true);
            return ((java.util.Properties) f.get(source)).getProperty("fetch.max.wait.ms");
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void everyQueryIsDecidedOnceBadInputIsDeadLetteredAndReleasesReachEveryScorer() throws Exception {
        COLLECTED.clear();
        Random rnd = new Random(17);
        List<byte[]> memories = new ArrayList<>();
        List<float[]> vectors = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            MemoryRecord r = new MemoryRecord();
            r.id = "m" + i;
            r.namespace = "ns-" + (i % 2);
            r.kind = MemoryRecord.SKILL;
            r.text = "memory " + i;
            r.embedding = unit(rnd);
            r.createdAtMs = 1;
            vectors.add(r.embedding);
            memories.add(AvroWire.MEMORY.encode(MemoryMessages.toMessage(r, 10)));
        }
        List<byte[]> queries = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            List<Float> embedding = new ArrayList<>();
            for (float x : vectors.get(i)) embedding.add(x);
            queries.add(AvroWire.QUERY.encode(AgentQuery.newBuilder().setQueryId("q" + i).setNamespace("ns-" + (i % 2))
                    .setUserId("u" + i).setText("how do I rotate the keys of service " + i + "?").setEmbedding(embedding)
                    .setEventTimeMs(System.currentTimeMillis()).setContextK(3).build()));
        }
        queries.add("not an agent query".getBytes());
        List<byte[]> feedback = List.of(AvroWire.FEEDBACK.encode(RoutingFeedback.newBuilder().setQueryId("q0")
                .setNamespace("ns-0").setModel("gpt-4o").setRoute("strong").setSuccess(true)
                .setContextIdsUsed(List.of("m0")).setEventTimeMs(System.currentTimeMillis()).build()));
        ModelRelease bundled = ModelReleases.fromClasspath("models/default");
        SemanticVersion v = SemanticVersion.parse(bundled.getVersion());
        String newer = v.major() + "." + (v.minor() + 1) + ".0";
        String tampered = v.major() + "." + (v.minor() + 2) + ".0";
        List<byte[]> models = List.of(
                AvroWire.MODEL_RELEASE.encode(ModelRelease.newBuilder(bundled).setVersion(tampered).setSha256("00".repeat(32)).build()),
                AvroWire.MODEL_RELEASE.encode(ModelRelease.newBuilder(bundled).setVersion(newer).build()));

        RouterConfig config = new RouterConfig();
        config.healthIntervalMs = 0; // the tick source is unbounded: a bounded run has no health probes
        RouterEndpoints endpoints = new RouterEndpoints(records(Topics.AGENT_QUERIES, queries), bytes(models),
                records(Topics.ROUTING_FEEDBACK, feedback), records(Topics.AGENT_MEMORIES, memories),
                new CollectingSink("decisions"), new CollectingSink("metrics"), new CollectingSink("dead-letters"),
                new CollectingSink("model-events"), new CollectingSink("health"), new CollectingSink("memory-updates"),
                new CollectingSink("rollout-controls"));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, new Configuration());
        new RouterJob(endpoints, config).build(env);
        env.execute("router-job-graph-test");

        Set<String> decided = new TreeSet<>();
        for (byte[] b : COLLECTED.getOrDefault("decisions", List.of())) {
            RoutingDecision d = AvroWire.DECISION.decode(b);
            assertTrue(decided.add(d.getQueryId()), "decided twice: " + d.getQueryId());
            assertTrue(Set.of(bundled.getVersion(), newer).contains(d.getModelVersion()), d.getModelVersion());
            assertTrue(d.getCandidatesConsidered() <= 4, "only its own namespace's memories: " + d.getCandidatesConsidered());
        }
        assertEquals(new TreeSet<>(List.of("q0", "q1", "q2", "q3", "q4", "q5")), decided);
        List<RoutingMetric> metrics = new ArrayList<>();
        for (byte[] b : COLLECTED.getOrDefault("metrics", List.of())) metrics.add(AvroWire.METRIC.decode(b));
        assertEquals(decided, metrics.stream().map(RoutingMetric::getQueryId).collect(Collectors.toCollection(TreeSet::new)));
        assertEquals(6, metrics.size());

        List<byte[]> dead = COLLECTED.getOrDefault("dead-letters", List.of());
        assertEquals(1, dead.size());
        DeadLetter letter = AvroWire.DEAD_LETTER.decode(dead.get(0));
        assertEquals(ErrorCategory.MALFORMED_RECORD, letter.getCategory(), letter.toString());
        assertEquals("decode", letter.getStage());
        assertEquals("not an agent query", new String(letter.getOriginal().array()));

        // Each of the two scorer subtasks judges each release: the tampered one refused, the newer one accepted.
        List<String> events = new ArrayList<>();
        for (byte[] b : COLLECTED.getOrDefault("model-events", List.of())) {
            ModelEvent e = AvroWire.MODEL_EVENT.decode(b);
            if (e.getEvent().equals("accepted") || e.getEvent().equals("refused")) {
                events.add(e.getEvent() + " " + e.getModelVersion() + (e.getRule() == null ? "" : " (" + e.getRule() + ")"));
            }
        }
        assertEquals(List.of("accepted " + newer, "accepted " + newer, "refused " + tampered + " (sha256 mismatch)",
                "refused " + tampered + " (sha256 mismatch)"), events.stream().sorted().toList());
        assertTrue(COLLECTED.getOrDefault("health", List.of()).isEmpty());
    }
}
