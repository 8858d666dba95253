package org.agentrouter.fuzz;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.DeadLetter;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads what the router made of {@link FuzzTraffic}: the dead letters (matched to the records sent by topic,
 * partition and offset), the decisions of the clean queries, and the answers to memory probes, into a
 * {@link FuzzReport}. Reads only what was written after {@link #mark}, so it works against a router in use.
 */
public final class FuzzCheck implements AutoCloseable {
    private final KafkaConsumer<String, byte[]> deadLetters;
    private final KafkaConsumer<String, byte[]> decisions;

    public FuzzCheck(String bootstrap, Properties security) {
        deadLetters = consumer(bootstrap, security, Topics.AGENT_QUERIES_DLQ);
        decisions = consumer(bootstrap, security, Topics.ROUTING_DECISIONS);
    }

    /** Positions both readers at the current end: call before sending. */
    public void mark() {
        for (KafkaConsumer<String, byte[]> c : List.of(deadLetters, decisions)) {
            c.poll(Duration.ZERO);
            c.seekToEnd(c.assignment());
            c.assignment().forEach(c::position); // resolve now, not lazily after the traffic arrived
        }
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap, Properties security, String topic) {
        Properties p = new Properties();
        if (security != null) p.putAll(security);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "router-fuzz-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
        c.assign(parts);
        return c;
    }

    /**
     * Waits (up to {@code timeout}) until every expected dead letter and every clean query's decision arrived, then
     * reads {@code settle} longer to catch duplicates and strays, probes the memories, and reports.
     */
    public FuzzReport check(FuzzTraffic traffic, KafkaProducer<String, byte[]> producer, Duration timeout, Duration settle,
                            int maxProbes) throws Exception {
        FuzzReport report = new FuzzReport();
        report.refusedByKafka = traffic.refusedByKafka;
        Map<String, FuzzTraffic.Sent> byCoordinates = new HashMap<>();
        for (FuzzTraffic.Sent s : traffic.sent) {
            byCoordinates.put(key(s.topic(), s.partition(), s.offset()), s);
            report.sent(s);
        }
        Map<String, Integer> letters = new HashMap<>();
        Set<String> valid = new HashSet<>(traffic.validQueryIds);
        // Decisions are keyed by query id: the clean queries' and those of fuzzed queries the job accepted.
        Set<String> watched = new HashSet<>(valid);
        for (FuzzTraffic.Sent s : traffic.sent) {
            if (s.decisionId() != null) watched.add(s.decisionId());
            if (s.refusedQueryId() != null) watched.add(s.refusedQueryId());
        }
        Map<String, Integer> decided = new HashMap<>();
        BooleanSupplier done = () -> letters.size() >= report.expectedDeadLetters() && decided.keySet().containsAll(valid);
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (!done.getAsBoolean() && System.currentTimeMillis() < deadline) {
            readDeadLetters(byCoordinates, letters, report);
            readDecisions(watched, decided, null);
        }
        long settleEnd = System.currentTimeMillis() + settle.toMillis();
        while (System.currentTimeMillis() < settleEnd) {
            readDeadLetters(byCoordinates, letters, report);
            readDecisions(watched, decided, null);
        }
        report.deadLetters(letters, byCoordinates, decided);
        report.decisions(valid, decided);
        report.byDamage(traffic.sent, letters, decided);
        probe(traffic, producer, maxProbes, timeout, report);
        return report;
    }

    private void readDeadLetters(Map<String, FuzzTraffic.Sent> sent, Map<String, Integer> letters, FuzzReport report)
            throws Exception {
        for (ConsumerRecord<String, byte[]> r : deadLetters.poll(Duration.ofMillis(200))) {
            DeadLetter d = AvroWire.DEAD_LETTER.decode(r.value());
            String k = key(d.getSourceTopic(), d.getSourcePartition(), d.getSourceOffset());
            FuzzTraffic.Sent s = sent.get(k);
            if (s == null) {
                // Another producer's, or a stage that lost the record's coordinates (an internal error downstream).
                if (d.getSourceTopic().isEmpty() || d.getSourceOffset() < 0) report.strayDeadLetter(d);
                continue;
            }
            letters.merge(k, 1, Integer::sum);
            report.category(s, d);
        }
    }

    private void readDecisions(Set<String> ids, Map<String, Integer> decided, Map<String, RoutingDecision> keep)
            throws Exception {
        for (ConsumerRecord<String, byte[]> r : decisions.poll(Duration.ofMillis(200))) {
            if (r.key() == null || !ids.contains(r.key())) continue;
            decided.merge(r.key(), 1, Integer::sum);
            if (keep != null) keep.put(r.key(), AvroWire.DECISION.decode(r.value()));
        }
    }

    /**
     * Each probe is a clean query with a memory's own vector and the largest context_k: an accepted memory must be
     * in its context (it is its own nearest neighbour), a refused one must never be.
     */
    private void probe(FuzzTraffic traffic, KafkaProducer<String, byte[]> producer, int maxProbes, Duration timeout,
                       FuzzReport report) throws Exception {
        List<FuzzTraffic.MemoryProbe> probes = traffic.memoryProbes.subList(0, Math.min(maxProbes, traffic.memoryProbes.size()));
        Map<String, FuzzTraffic.MemoryProbe> byQuery = new HashMap<>();
        for (int i = 0; i < probes.size(); i++) {
            FuzzTraffic.MemoryProbe p = probes.get(i);
            String id = "fuzz-" + traffic.runId + "-probe-" + i;
            List<Float> v = new ArrayList<>(p.vector().length);
            for (float x : p.vector()) v.add(x);
            AgentQuery q = AgentQuery.newBuilder().setQueryId(id).setNamespace(p.namespace()).setUserId("fuzz")
                    .setText("memory probe").setEmbedding(v).setEventTimeMs(System.currentTimeMillis())
                    .setContextK(traffic.maxContextK()).build();
            producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, p.namespace(), AvroWire.QUERY.encode(q)));
            byQuery.put(id, p);
        }
        producer.flush();
        Map<String, Integer> decided = new HashMap<>();
        Map<String, RoutingDecision> answers = new HashMap<>();
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (answers.size() < byQuery.size() && System.currentTimeMillis() < deadline) {
            readDecisions(byQuery.keySet(), decided, answers);
        }
        for (Map.Entry<String, FuzzTraffic.MemoryProbe> e : byQuery.entrySet()) {
            RoutingDecision d = answers.get(e.getKey());
            FuzzTraffic.MemoryProbe p = e.getValue();
            boolean found = false;
            if (d != null) {
                for (ContextItem c : d.getContext()) found |= c.getMemoryId().equals(p.id());
            }
            report.probe(p.accepted(), d != null, found);
        }
    }

    static String key(String topic, int partition, long offset) {
        return topic + "/" + partition + "@" + offset;
    }

    @Override
    public void close() {
        deadLetters.close();
        decisions.close();
    }
}
