package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.routing.RecentDecisions;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.wire.AvroWire;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;

/**
 * Namespace isolation as a property: whatever the memories, ids, vectors and feedback of several agents, a query
 * never receives context ids, similarities or outcomes from another namespace, also after its state was restored
 * from a snapshot and rescaled from one retrieval subtask to two. The generator works against isolation on purpose:
 * namespaces reuse each other's memory ids, queries carry another namespace's exact vectors, and feedback names
 * another namespace's memories and queries.
 */
class NamespaceIsolationPropertyTest {
    private static final int MAX_PARALLELISM = 128;

    private record Memory(String id, float[] vector) {}

    /** What each namespace holds, as the operator must see it. */
    private static final class World {
        final Map<String, Map<String, float[]>> live = new HashMap<>();
        /** Queries asked per namespace: their feedback may add an episode fb-<id> there, and only there. */
        final Map<String, Set<String>> asked = new HashMap<>();
        /** Versions only grow, across restores too: an older version would rightly be ignored. */
        long clock = 1_000;
    }

    @Property(tries = 25)
    void queriesSeeOnlyTheirOwnNamespace(@ForAll long seed, @ForAll @IntRange(min = 2, max = 5) int namespaces) throws Exception {
        Random rnd = new Random(seed);
        String[] ns = new String[namespaces];
        for (int i = 0; i < namespaces; i++) ns[i] = "agent-" + i + "-" + rnd.nextInt(1000);
        World world = new World();
        List<Memory> everyVector = new ArrayList<>();

        OperatorSubtaskState snapshot;
        try (var h = harness(1, 0)) {
            h.open();
            feed(h, null, world, everyVector, ns, rnd, 60);
            checkQueries(List.of(h), world, everyVector, ns, rnd, 1);
            snapshot = h.snapshot(1, 1);
        }
        // Restored as it was, then rescaled to two subtasks: each namespace's state must land whole on its owner.
        try (var h = harness(1, 0)) {
            h.initializeState(snapshot);
            h.open();
            checkQueries(List.of(h), world, everyVector, ns, rnd, 1);
        }
        List<KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext>> two = new ArrayList<>();
        try {
            for (int subtask = 0; subtask < 2; subtask++) {
                var h = harness(2, subtask);
                h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(snapshot, MAX_PARALLELISM, 1, 2, subtask));
                h.open();
                two.add(h);
            }
            feed(null, two, world, everyVector, ns, rnd, 30);
            checkQueries(two, world, everyVector, ns, rnd, 2);
        } finally {
            for (var h : two) h.close();
        }
    }

    /** RecentDecisions (the first fallback level) never hands one namespace's decision to another. */
    @Property(tries = 200)
    void fallbackDecisionsStayInTheirNamespace(@ForAll long seed) {
        Random rnd = new Random(seed);
        RecentDecisions recent = RecentDecisions.defaults();
        float[] v = unit(rnd);
        recent.remember("a", v, 1, 0.99, 1_000, "qa");
        var found = recent.nearest("b", v, 1_000);
        assertTrue(found == null, "namespace b found a's decision");
        assertEquals("qa", recent.nearest("a", v, 1_000).queryId());
    }

    private static void feed(KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> one,
                             List<KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext>> many,
                             World world, List<Memory> everyVector, String[] ns, Random rnd, int events) throws Exception {
        for (int e = 0; e < events; e++) {
            String n = ns[rnd.nextInt(ns.length)];
            var h = one != null ? one : many.get(owner(n, many.size()));
            int kind = rnd.nextInt(10);
            if (kind < 6) {
                // Ids are drawn from a small shared pool, so namespaces hold memories of the same id.
                String id = "m" + rnd.nextInt(12);
                float[] v = unit(rnd);
                MemoryRecord m = memory(id, n, v, ++world.clock);
                h.processElement2(MemoryEvent.upsert(m), 0);
                world.live.computeIfAbsent(n, x -> new HashMap<>()).put(id, v);
                everyVector.add(new Memory(id, v));
            } else if (kind < 7) {
                String id = "m" + rnd.nextInt(12);
                h.processElement2(MemoryEvent.delete(n, id, ++world.clock), 0);
                Map<String, float[]> live = world.live.get(n);
                if (live != null) live.remove(id);
            } else {
                // Feedback in n about a query and memories that may belong to another namespace.
                String other = ns[rnd.nextInt(ns.length)];
                Set<String> askedThere = world.asked.getOrDefault(other, Set.of());
                String qid = askedThere.isEmpty() ? "q-none" : askedThere.iterator().next();
                String[] used = {"m" + rnd.nextInt(12)};
                h.processElement2(MemoryEvent.feedback(n, qid, "cheap", "small", 1f, used, ++world.clock), 0);
                for (StreamRecord<KafkaMessage> r : drain(h)) {
                    AgentMemory changed = AvroWire.MEMORY.decode(r.getValue().value);
                    assertEquals(n, changed.getNamespace(), "feedback in " + n + " changed a memory of " + changed.getNamespace());
                    if (changed.getMemoryId().startsWith("fb-")) {
                        assertTrue(world.asked.getOrDefault(n, Set.of()).contains(changed.getMemoryId().substring(3)),
                                "an episode in " + n + " from a query asked elsewhere: " + changed.getMemoryId());
                        world.live.computeIfAbsent(n, x -> new HashMap<>()).put(changed.getMemoryId(), null);
                    } else {
                        assertTrue(world.live.getOrDefault(n, Map.of()).containsKey(changed.getMemoryId()),
                                "feedback in " + n + " updated " + changed.getMemoryId() + ", which " + n + " does not hold");
                    }
                }
            }
        }
    }

    /**
     * Queries in each namespace with other namespaces' exact vectors (which would rank first if they leaked): every
     * candidate is a live memory of the query's namespace (or its own episode), scored with that namespace's vector.
     */
    private static void checkQueries(List<KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext>> hs,
                                     World world, List<Memory> everyVector, String[] ns, Random rnd, int parallelism)
            throws Exception {
        for (String n : ns) {
            var h = hs.get(owner(n, parallelism));
            for (int i = 0; i < 4 && !everyVector.isEmpty(); i++) {
                Memory bait = everyVector.get(rnd.nextInt(everyVector.size()));
                String qid = "q-" + n + "-" + rnd.nextInt(1_000_000);
                QueryContext q = new QueryContext();
                q.queryId = qid;
                q.namespace = n;
                q.text = "question";
                q.tags = new String[0];
                q.embedding = bait.vector();
                q.eventTimeMs = 3_000;
                h.processElement1(q, 0);
                List<QueryContext> out = h.extractOutputValues();
                QueryContext got = out.get(out.size() - 1);
                world.asked.computeIfAbsent(n, x -> new HashSet<>()).add(qid);
                Map<String, float[]> live = world.live.getOrDefault(n, Map.of());
                long expected = live.keySet().stream().filter(id -> !id.startsWith("fb-")).count();
                assertTrue(got.candidateCount >= Math.min(expected, 20), n + ": every live memory is still retrievable");
                for (int c = 0; c < got.candidateCount; c++) {
                    String id = got.candidateIds[c];
                    assertTrue(live.containsKey(id), n + " got " + id + ", which it does not hold (" + live.keySet() + ")");
                    float[] own = live.get(id);
                    if (own != null) {
                        float sim = got.candidateFeatures[c * FeatureLayout.CANDIDATE_WIDTH + FeatureLayout.C_SIMILARITY];
                        assertEquals(cosine(own, bait.vector()), sim, 1e-4, n + ": " + id + " scored with another namespace's vector");
                    }
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static List<StreamRecord<KafkaMessage>> drain(KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> h) {
        var side = h.getSideOutput(RouterOutputs.MEMORY_UPDATES);
        if (side == null) return List.of();
        List<StreamRecord<KafkaMessage>> out = new ArrayList<>(side);
        side.clear();
        return out;
    }

    private static int owner(String namespace, int parallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(namespace, MAX_PARALLELISM, parallelism);
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> harness(
            int parallelism, int subtask) throws Exception {
        RouterConfig c = new RouterConfig();
        c.retrievalK = 20;
        c.retrievalBreaker = new CircuitBreaker.Settings(5, 60_000, 60_000);
        return new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new RetrievalFunction(c)),
                q -> q.namespace, e -> e.namespace, Types.STRING, MAX_PARALLELISM, parallelism, subtask);
    }

    private static MemoryRecord memory(String id, String ns, float[] v, long version) {
        MemoryRecord m = new MemoryRecord();
        m.id = id;
        m.namespace = ns;
        m.kind = "episode";
        m.text = "t" + id;
        m.createdAtMs = 500;
        m.confidence = 0.8f;
        m.cheapOutcome = 1f;
        m.strongOutcome = 1f;
        m.successRate = 0.5f;
        m.reward = Float.NaN;
        m.tags = new String[0];
        m.sourceId = "test";
        m.embedding = v;
        m.updatedAtMs = version;
        return m;
    }

    private static float[] unit(Random rnd) {
        float[] v = new float[FeatureLayout.EMBEDDING_DIM];
        double n = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
            n += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
        return v;
    }

    private static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }
}
