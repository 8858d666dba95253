package org.agentrouter.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;

import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.ByteMutator;
import org.agentrouter.wire.FuzzCorpus;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The decode stages' logic under generated input: records from {@link FuzzCorpus} (fields at their edges now and
 * then), sent as they are or damaged by {@link ByteMutator}. The property: reading never throws (a refusal is a
 * value with a category and a reason), and whatever is accepted is something every later stage can route or store:
 * the checks the job relies on hold for it.
 */
class IntakeFuzzTest {
    private static final InputLimits LIMITS = new InputLimits();
    private static final PricingTable PRICING = PricingTable.defaults();
    private static final String[] ROUTES = {PRICING.tier(0).route, PRICING.tier(PRICING.strongest()).route};

    private final QueryIntake queries = new QueryIntake(100, LIMITS);
    private final FeedbackIntake feedback = new FeedbackIntake(LIMITS, PRICING);
    private final MemoryIntake memories = new MemoryIntake(LIMITS);

    /** Null: the record's bytes as encoded (its fields may still be at their edges). */
    @Provide
    Arbitrary<ByteMutator.Kind> damage() {
        return Arbitraries.of(ByteMutator.Kind.class).injectNull(0.3);
    }

    private static byte[] damaged(byte[] bytes, ByteMutator.Kind kind, Random rnd) {
        return kind == null ? bytes : ByteMutator.mutate(bytes, kind, rnd);
    }

    @Property(tries = 2000)
    void queriesAreReadOrRefusedAndWhatIsReadIsRoutable(@ForAll long seed, @ForAll("damage") ByteMutator.Kind kind) {
        Random rnd = new Random(seed);
        byte[] bytes = damaged(AvroWire.QUERY.encode(new FuzzCorpus(rnd, 0.15).query("q-" + seed, "ns-" + (seed & 7))), kind, rnd);
        Decoded<QueryContext> read = queries.read(bytes);
        Statistics.collect(read.isAccepted() ? "accepted" : read.category.name());
        if (!read.isAccepted()) {
            assertNotNull(read.category);
            assertFalse(read.reason.isBlank());
            return;
        }
        QueryContext q = read.value;
        assertFalse(q.namespace.isBlank(), "namespace");
        assertTrue(q.namespace.length() <= LIMITS.maxIdChars && q.queryId.length() <= LIMITS.maxIdChars);
        assertTrue(q.contextK >= 0 && q.contextK <= 100, "context_k " + q.contextK);
        assertTrue(Double.isNaN(q.alpha) || (q.alpha > 0 && q.alpha < 1), "alpha " + q.alpha);
        assertTrue(q.eventTimeMs >= 0);
        assertTrue(q.text.length() <= LIMITS.maxTextChars);
        assertTrue(q.tags.length <= LIMITS.maxTags);
        if (q.embedding == null) {
            assertFalse(q.text.isBlank(), "a query without a vector has a text to embed");
        } else {
            assertEquals(FeatureLayout.EMBEDDING_DIM, q.embedding.length);
            double norm = 0;
            for (float x : q.embedding) {
                assertTrue(Float.isFinite(x));
                norm += x * x;
            }
            assertEquals(1.0, norm, 1e-3, "unit length");
        }
    }

    @Property(tries = 2000)
    void feedbackIsReadOrRefusedAndWhatIsReadIsUsable(@ForAll long seed, @ForAll("damage") ByteMutator.Kind kind) {
        Random rnd = new Random(seed);
        RoutingFeedback f = new FuzzCorpus(rnd, 0.15).feedback("q-" + seed, "ns", ROUTES, List.of("m-1", "m-2"));
        Decoded<RoutingFeedback> read = feedback.read(damaged(AvroWire.FEEDBACK.encode(f), kind, rnd));
        Statistics.collect(read.isAccepted() ? "accepted" : read.category.name());
        if (!read.isAccepted()) {
            assertNotNull(read.category);
            assertFalse(read.reason.isBlank());
            return;
        }
        RoutingFeedback r = read.value;
        assertFalse(r.getQueryId().isBlank());
        assertTrue(PRICING.indexOf(r.getRoute()) >= 0, "known route");
        assertTrue(r.getSuccess() != null || (r.getQuality() != null && r.getQuality() >= 0 && r.getQuality() <= 1));
        assertTrue(r.getAlpha() == null || (r.getAlpha() > 0 && r.getAlpha() < 1));
        assertTrue(r.getContextIdsUsed().size() <= LIMITS.maxContextIds);
        assertTrue(r.getTokensUsed() >= 0 && r.getLatencyMs() >= 0 && r.getEventTimeMs() >= 0);
    }

    @Property(tries = 2000)
    void memoriesAreReadOrRefusedAndWhatIsReadIsIndexable(@ForAll long seed, @ForAll("damage") ByteMutator.Kind kind) {
        Random rnd = new Random(seed);
        byte[] bytes = damaged(AvroWire.MEMORY.encode(new FuzzCorpus(rnd, 0.15).memory("m-" + seed, "ns")), kind, rnd);
        Decoded<MemoryChange> read = memories.read(bytes);
        Statistics.collect(read.isAccepted() ? "accepted" : read.category.name());
        if (!read.isAccepted()) {
            assertNotNull(read.category);
            assertFalse(read.reason.isBlank());
            return;
        }
        MemoryChange c = read.value;
        assertFalse(c.namespace().isBlank(), "a query could never reach a memory of a blank namespace");
        assertFalse(c.memoryId().isBlank());
        if (c.isDelete()) {
            assertNull(c.memory());
            return;
        }
        MemoryRecord m = c.memory();
        assertEquals(c.namespace(), m.namespace);
        assertTrue(List.of(MemoryRecord.EPISODE, MemoryRecord.SKILL, MemoryRecord.PATTERN).contains(m.kind), m.kind);
        assertEquals(FeatureLayout.EMBEDDING_DIM, m.embedding.length);
        for (float x : m.embedding) assertTrue(Float.isFinite(x));
        for (float v : new float[] {m.confidence, m.successRate, m.cheapOutcome, m.strongOutcome}) {
            assertTrue(Float.isNaN(v) || (v >= 0 && v <= 1));
        }
        assertTrue(m.useCount >= 0 && m.text.length() <= LIMITS.maxTextChars);
    }
}
