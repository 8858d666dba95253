package org.agentrouter.cli.model;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.agentrouter.job.JobOptions;
import org.agentrouter.job.MemoryPublisher;
import org.agentrouter.locomo.ContextCandidates;
import org.agentrouter.locomo.ContextEvaluation;
import org.agentrouter.locomo.LocomoData;
import org.agentrouter.locomo.LocomoMemories;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.TopicAdmin;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Topics;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * LoCoMo questions through the real pipeline: an in-process Kafka broker, the routing job on a MiniCluster, each
 * conversation's turns published to {@code agent-memories} as any memory is, each question published to
 * {@code agent-queries} (with its cached MiniLM vector, so that both paths embed nothing, and the as-of time as
 * event time), and the context ids read back from {@code routing-decisions}. One partition per topic and
 * parallelism 1 keep the memories in publishing order, so once the last memory published is found, all are.
 */
public final class ContextThroughJob {
    private ContextThroughJob() {}

    /**
     * @param release the release the job serves, or null for its bundled one (published to router-models as an explicit
     *                rollback with --allow-major, so that it is accepted whatever the bundled version)
     * @return each scored question's context, by {@link ContextEvaluation#key}
     */
    public static Map<String, List<String>> contexts(List<LocomoMemories.Corpus> corpora, ModelRelease release, int contextK,
                                                     Path workDir, Duration timeout) throws Exception {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(workDir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            TopicAdmin.ensure(bootstrap, 1, Duration.ofSeconds(30));
            if (release != null) {
                ModelRelease forced = ModelRelease.newBuilder(release).setRole("champion").setRollback(true).setAllowMajor(true)
                        .setPublishedAtMs(System.currentTimeMillis()).build();
                try (KafkaProducer<String, byte[]> p = producer(bootstrap)) {
                    p.send(new ProducerRecord<>(Topics.ROUTER_MODELS, forced.getName(), AvroWire.MODEL_RELEASE.encode(forced))).get();
                }
            }
            List<MemoryRecord> all = new ArrayList<>();
            for (LocomoMemories.Corpus c : corpora) all.addAll(c.memories());
            MemoryPublisher.publishAll(bootstrap, all);
            JobOptions options = new JobOptions();
            options.parallelism = 1;
            options.checkpointIntervalMs = 10_000;
            JobClient job = LocalRouterJob.start(bootstrap, options, 0, 0, workDir.resolve("job"));
            try (KafkaProducer<String, byte[]> producer = producer(bootstrap);
                 KafkaConsumer<String, byte[]> decisions = consumer(bootstrap)) {
                long deadline = System.nanoTime() + timeout.toNanos();
                awaitLoaded(corpora, release, producer, decisions, deadline);
                // Every memory is found by its vector; one more probe per namespace after the lexical refresh interval
                // makes each namespace's lexical searcher catch up with the last writes before the questions.
                Thread.sleep(options.lexicalRefreshMs + 200);
                awaitLoaded(corpora, release, producer, decisions, deadline);
                Map<String, AgentQuery> queries = new LinkedHashMap<>();
                for (LocomoMemories.Corpus c : corpora) {
                    for (LocomoData.Question q : c.conversation().questions()) {
                        if (!ContextCandidates.scored(q)) continue;
                        queries.put(ContextEvaluation.key(c, q), query(ContextEvaluation.key(c, q), c, q.text(),
                                c.questionVectors()[q.index()], contextK));
                    }
                }
                for (AgentQuery q : queries.values()) {
                    producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, q.getNamespace(), AvroWire.QUERY.encode(q)));
                }
                producer.flush();
                Map<String, List<String>> out = new HashMap<>();
                while (out.size() < queries.size()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + out.size() + " of " + queries.size() + " decisions within " + timeout);
                    }
                    for (ConsumerRecord<String, byte[]> r : decisions.poll(Duration.ofMillis(200))) {
                        RoutingDecision d = AvroWire.DECISION.decode(r.value());
                        String id = d.getQueryId().toString();
                        if (!queries.containsKey(id)) continue;
                        out.put(id, ids(d));
                    }
                }
                Map<String, List<String>> ordered = new LinkedHashMap<>();
                for (String k : queries.keySet()) ordered.put(k, out.get(k));
                return ordered;
            } finally {
                job.cancel().get();
            }
        }
    }

    /**
     * Waits until the job serves the release and holds every memory: for each conversation, a probe with the last
     * turn's own vector and text must find that turn first, decided by the expected model version.
     */
    private static void awaitLoaded(List<LocomoMemories.Corpus> corpora, ModelRelease release, KafkaProducer<String, byte[]> producer,
                                    KafkaConsumer<String, byte[]> decisions, long deadline) throws Exception {
        Map<String, MemoryRecord> pending = new LinkedHashMap<>();
        for (LocomoMemories.Corpus c : corpora) pending.put(c.namespace(), c.memories().get(c.memories().size() - 1));
        int round = 0;
        while (!pending.isEmpty()) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("memories not indexed in time: " + pending.keySet());
            Map<String, String> probes = new HashMap<>();
            for (Map.Entry<String, MemoryRecord> e : pending.entrySet()) {
                String id = "probe-" + round + "-" + e.getKey();
                probes.put(id, e.getKey());
                AgentQuery q = AgentQuery.newBuilder().setQueryId(id).setNamespace(e.getKey()).setText(e.getValue().text)
                        .setEmbedding(boxed(e.getValue().embedding)).setEventTimeMs(e.getValue().createdAtMs).setContextK(1).build();
                producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, e.getKey(), AvroWire.QUERY.encode(q)));
            }
            producer.flush();
            long roundEnd = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!probes.isEmpty() && System.nanoTime() < roundEnd) {
                for (ConsumerRecord<String, byte[]> r : decisions.poll(Duration.ofMillis(200))) {
                    RoutingDecision d = AvroWire.DECISION.decode(r.value());
                    String ns = probes.remove(d.getQueryId().toString());
                    if (ns == null) continue;
                    boolean found = !d.getContext().isEmpty() && d.getContext().get(0).getMemoryId().toString().equals(pending.get(ns).id);
                    boolean model = release == null || release.getVersion().equals(String.valueOf(d.getModelVersion()));
                    if (found && model) pending.remove(ns);
                }
            }
            round++;
        }
    }

    private static AgentQuery query(String id, LocomoMemories.Corpus c, String text, float[] vector, int contextK) {
        return AgentQuery.newBuilder().setQueryId(id).setNamespace(c.namespace()).setText(text).setEmbedding(boxed(vector))
                .setEventTimeMs(c.conversation().asOfMs()).setContextK(contextK).build();
    }

    static List<String> ids(RoutingDecision d) {
        List<String> ids = new ArrayList<>();
        for (ContextItem item : d.getContext()) ids.add(item.getMemoryId().toString());
        return ids;
    }

    private static List<Float> boxed(float[] v) {
        List<Float> out = new ArrayList<>(v.length);
        for (float x : v) out.add(x);
        return out;
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "eval-context");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        c.subscribe(List.of(Topics.ROUTING_DECISIONS));
        return c;
    }
}
