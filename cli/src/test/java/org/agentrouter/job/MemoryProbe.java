package org.agentrouter.job;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;

/**
 * Asks the running job what it retrieves: sends a query carrying a vector (no MiniLM) and reads its
 * decision. Memories reach the job through agent-memories asynchronously, so tests wait with
 * {@link #awaitDecision} until the retrieval shows what they expect instead of sleeping.
 */
final class MemoryProbe {
    private final TopicIO io;

    MemoryProbe(TopicIO io) {
        this.io = io;
    }

    /** One query with this vector in {@code ns}; its decision, or null when none came within the timeout. */
    RoutingDecision decide(String ns, String queryId, float[] vector, Duration timeout) throws Exception {
        List<Float> embedding = new ArrayList<>(vector.length);
        for (float x : vector) embedding.add(x);
        AgentQuery q = AgentQuery.newBuilder().setQueryId(queryId).setNamespace(ns).setUserId("u1")
                .setText("probe " + queryId).setEmbedding(embedding).setEventTimeMs(System.currentTimeMillis())
                .setContextK(10).build();
        io.send(Topics.AGENT_QUERIES, ns, AvroWire.QUERY.encode(q));
        return find(io.readUntil(Topics.ROUTING_DECISIONS, got -> find(got, queryId) != null, timeout), queryId);
    }

    /** Queries again and again until a decision satisfies {@code done}; fails with the last decision seen. */
    RoutingDecision awaitDecision(String ns, float[] vector, Predicate<RoutingDecision> done, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        RoutingDecision last = null;
        while (System.nanoTime() < deadline) {
            last = decide(ns, "probe-" + UUID.randomUUID(), vector, Duration.ofSeconds(30));
            if (last != null && done.test(last)) return last;
            Thread.sleep(300);
        }
        throw new AssertionError("no decision in " + ns + " as expected within " + timeout + "; last: "
                + (last == null ? "none" : "context " + contextIds(last) + ", candidates " + last.getCandidatesConsidered()
                + ", fallback " + last.getFallbackReason()));
    }

    static List<String> contextIds(RoutingDecision d) {
        List<String> ids = new ArrayList<>();
        for (ContextItem c : d.getContext()) ids.add(c.getMemoryId());
        return ids;
    }

    /** Every record on agent-memories so far (read_committed), decoded. */
    List<AgentMemory> memoriesOnTopic(Predicate<List<AgentMemory>> done, Duration timeout) {
        List<AgentMemory> out = new ArrayList<>();
        io.readUntil(Topics.AGENT_MEMORIES, got -> {
            out.clear();
            for (byte[] b : got) {
                try {
                    out.add(AvroWire.MEMORY.decode(b));
                } catch (Exception e) {
                    // refused records published by a test on purpose
                }
            }
            return done.test(out);
        }, timeout);
        return out;
    }

    private static RoutingDecision find(List<byte[]> raw, String queryId) {
        for (byte[] b : raw) {
            try {
                RoutingDecision d = AvroWire.DECISION.decode(b);
                if (d.getQueryId().equals(queryId)) return d;
            } catch (Exception e) {
                throw new AssertionError("undecodable decision", e);
            }
        }
        return null;
    }
}
