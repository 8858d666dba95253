package org.agentrouter.fuzz;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import org.agentrouter.intake.Decoded;
import org.agentrouter.intake.FeedbackIntake;
import org.agentrouter.intake.InputLimits;
import org.agentrouter.intake.MemoryChange;
import org.agentrouter.intake.MemoryIntake;
import org.agentrouter.intake.QueryIntake;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.ByteMutator;
import org.agentrouter.wire.FuzzCorpus;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import org.agentrouter.wire.Embeddings;
/**
 * Hostile traffic for a running router: records for agent-queries, routing-feedback and agent-memories from
 * {@link FuzzCorpus} (fields at their edges now and then), most of them damaged by {@link ByteMutator}, with clean
 * queries interleaved. Each record is first read by the job's own intake code (the oracle), so what the job must
 * do with it is known before it is sent: a dead letter of a given category, or acceptance.
 */
public final class FuzzTraffic {
    /**
     * One record sent: where it landed and what the job must do with it. {@code decisionId}: the query id the job
     * must decide; {@code refusedQueryId}: the id a query the intake refuses was generated with, watched so that a
     * decision for it is reported as the job accepting what the intake refuses, not as a missing dead letter.
     */
    public record Sent(String topic, int partition, long offset, ErrorCategory expectedCategory, boolean clean, String damage,
                       String decisionId, String refusedQueryId) {
        public boolean expectedDeadLetter() {
            return expectedCategory != null;
        }
    }

    /** A memory the probes look for (accepted) or must never find (refused): its namespace, id and vector. */
    public record MemoryProbe(String namespace, String id, float[] vector, boolean accepted) {}

    public final String runId;
    public final List<Sent> sent = new ArrayList<>();
    /** Clean queries: each must get exactly one decision. */
    public final List<String> validQueryIds = new ArrayList<>();
    public final List<MemoryProbe> memoryProbes = new ArrayList<>();
    public final String[] namespaces;
    /** Records the broker itself refused (larger than its message.max.bytes). */
    public long refusedByKafka;

    private final FuzzSettings settings;
    private final Random rnd;
    private final FuzzCorpus edges;
    private final FuzzCorpus clean;
    private final QueryIntake queries;
    private final FeedbackIntake feedback;
    private final MemoryIntake memories;
    private final PricingTable pricing = PricingTable.defaults();
    /** Every memory id an accepted change touched, and how many changes touched it. */
    private final Map<String, Integer> acceptedMemoryIds = new HashMap<>();

    public FuzzTraffic(FuzzSettings settings) {
        this.settings = settings;
        this.rnd = new Random(settings.seed);
        this.runId = Long.toString(settings.seed & 0xffffffL, 36) + "-" + Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        this.edges = new FuzzCorpus(rnd, settings.edgeChance);
        this.clean = new FuzzCorpus(rnd, 0);
        InputLimits limits = settings.limits;
        this.queries = new QueryIntake(settings.maxContextK, limits);
        this.feedback = new FeedbackIntake(limits, pricing);
        this.memories = new MemoryIntake(limits);
        this.namespaces = new String[settings.namespaces];
        for (int i = 0; i < namespaces.length; i++) namespaces[i] = "fuzz-" + runId + "-" + i;
    }

    /** Generates and sends everything; blocks until the broker acknowledged every record. */
    public void send(KafkaProducer<String, byte[]> producer, ProgressLine progress) throws Exception {
        String[] routes = {pricing.tier(0).route, pricing.tier(pricing.strongest()).route};
        List<Future<RecordMetadata>> acks = new ArrayList<>(settings.records + settings.validQueries);
        List<ErrorCategory> expected = new ArrayList<>(settings.records + settings.validQueries);
        List<Boolean> cleanOnes = new ArrayList<>(settings.records + settings.validQueries);
        List<String> damages = new ArrayList<>(settings.records + settings.validQueries);
        List<String> decisionIds = new ArrayList<>(settings.records + settings.validQueries);
        List<String> refusedIds = new ArrayList<>(settings.records + settings.validQueries);
        List<MemoryProbe> candidates = new ArrayList<>();
        int validEvery = Math.max(1, settings.records / Math.max(1, settings.validQueries));
        int valid = 0;
        for (int i = 0; i < settings.records; i++) {
            String ns = namespaces[rnd.nextInt(namespaces.length)];
            if (i % validEvery == 0 && valid < settings.validQueries) {
                String id = "fuzz-" + runId + "-valid-" + valid++;
                AgentQuery q = clean.query(id, ns);
                validQueryIds.add(id);
                acks.add(producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, ns, AvroWire.QUERY.encode(q))));
                expected.add(null);
                cleanOnes.add(true);
                damages.add("clean");
                decisionIds.add(id);
                refusedIds.add(null);
            }
            double topic = rnd.nextDouble();
            boolean damage = rnd.nextDouble() < settings.damageShare;
            ByteMutator.Kind kind = ByteMutator.randomKind(rnd);
            if (topic < 0.5) {
                String id = "fuzz-" + runId + "-q" + i;
                byte[] bytes = AvroWire.QUERY.encode(edges.query(id, ns));
                if (damage) bytes = ByteMutator.mutate(bytes, kind, rnd);
                Decoded<org.agentrouter.query.QueryContext> oracle = queries.read(bytes);
                acks.add(producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, ns, bytes)));
                expected.add(oracle.isAccepted() ? null : oracle.category);
                cleanOnes.add(false);
                damages.add(damage ? kind.name() : "none");
                decisionIds.add(oracle.isAccepted() ? oracle.value.queryId : null);
                // Watched too: a decision for a query the checker's intake refused means the job's limits differ.
                refusedIds.add(oracle.isAccepted() ? null : id);
            } else if (topic < 0.75) {
                String about = validQueryIds.isEmpty() || rnd.nextBoolean() ? "fuzz-" + runId + "-q" + rnd.nextInt(i + 1)
                        : validQueryIds.get(rnd.nextInt(validQueryIds.size()));
                byte[] bytes = AvroWire.FEEDBACK.encode(edges.feedback(about, ns, routes,
                        List.of("fuzz-" + runId + "-m" + rnd.nextInt(i + 1))));
                if (damage) bytes = ByteMutator.mutate(bytes, kind, rnd);
                Decoded<?> oracle = feedback.read(bytes);
                acks.add(producer.send(new ProducerRecord<>(Topics.ROUTING_FEEDBACK, ns, bytes)));
                expected.add(oracle.isAccepted() ? null : oracle.category);
                cleanOnes.add(false);
                damages.add(damage ? kind.name() : "none");
                decisionIds.add(null);
                refusedIds.add(null);
            } else {
                String id = "fuzz-" + runId + "-m" + i;
                AgentMemory m = edges.memory(id, ns);
                byte[] bytes = AvroWire.MEMORY.encode(m);
                if (damage) bytes = ByteMutator.mutate(bytes, kind, rnd);
                Decoded<MemoryChange> oracle = memories.read(bytes);
                acks.add(producer.send(new ProducerRecord<>(Topics.AGENT_MEMORIES, id, bytes)));
                expected.add(oracle.isAccepted() ? null : oracle.category);
                cleanOnes.add(false);
                damages.add(damage ? kind.name() : "none");
                decisionIds.add(null);
                refusedIds.add(null);
                if (oracle.isAccepted()) {
                    MemoryChange c = oracle.value;
                    acceptedMemoryIds.merge(c.namespace() + "\u0000" + c.memoryId(), 1, Integer::sum);
                    if (!c.isDelete()) candidates.add(new MemoryProbe(c.namespace(), c.memoryId(), c.memory().embedding, true));
                } else if (m.getEmbedding().remaining() == FuzzCorpus.DIM * 4 && m.getNamespace().equals(ns)
                        && m.getMemoryId().equals(id) && probeable(floats(m))) {
                    candidates.add(new MemoryProbe(ns, id, floats(m), false));
                }
            }
            if (progress != null && (i + 1) % 1000 == 0) progress.step(i + 1, settings.records);
        }
        producer.flush();
        for (int i = 0; i < acks.size(); i++) {
            RecordMetadata md;
            try {
                md = acks.get(i).get();
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof org.apache.kafka.common.errors.RecordTooLargeException) {
                    refusedByKafka++; // over the broker's message.max.bytes: the job never sees it
                    continue;
                }
                throw e;
            }
            sent.add(new Sent(md.topic(), md.partition(), md.offset(), expected.get(i), cleanOnes.get(i), damages.get(i),
                    decisionIds.get(i), refusedIds.get(i)));
        }
        // Probes only where the answer is unambiguous: an accepted memory no other accepted change touched, and a
        // refused one whose id no accepted change carries (a flipped bit can turn one id into another).
        for (MemoryProbe p : candidates) {
            int touched = acceptedMemoryIds.getOrDefault(p.namespace() + "\u0000" + p.id(), 0);
            if (p.accepted() ? touched == 1 : touched == 0) memoryProbes.add(p);
        }
    }

    /** Whether a query with this vector would itself be accepted (a NaN or zero vector is refused at decode). */
    private static boolean probeable(float[] v) {
        try {
            org.agentrouter.memory.VectorChecks.requireValid(v, "probe");
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static float[] floats(AgentMemory m) {
        return Embeddings.fromBuffer(m.getEmbedding());
    }

    public int maxContextK() {
        return settings.maxContextK;
    }

    /** Where a long run reports how far it is (the CLI prints a line now and then). */
    public interface ProgressLine {
        void step(long done, long total);
    }
}
