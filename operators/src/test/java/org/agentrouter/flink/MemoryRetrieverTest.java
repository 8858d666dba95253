package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryMessages;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.store.MemoryStore;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.query.QueryContext;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retrieval stage alone (Flink's keyed two-input harness, real keyed state): memories arriving on the
 * memory input become candidates with their fields, equal to exact search in a real sqlite-vec store; a
 * delete and an older version behave; feedback adds an episode and updates use statistics once per query
 * id; a snapshot restored into a new operator gives the same candidates and keeps the applied feedback;
 * delete markers refuse older copies for their retention, then go (with their timers kept by a snapshot).
 */
class MemoryRetrieverTest {
    @TempDir
    Path dir;

    private final Random rnd = new Random(3);

    private float[] unit() {
        float[] v = new float[FeatureLayout.EMBEDDING_DIM];
        double n = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
            n += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
        return v;
    }

    private QueryContext query(String id, String ns, float[] v) {
        QueryContext q = new QueryContext();
        q.queryId = id;
        q.namespace = ns;
        q.text = "question " + id;
        q.tags = new String[] {"t"};
        q.embedding = v;
        q.eventTimeMs = 1_000;
        return q;
    }

    private MemoryRecord memory(String id, String ns, long version) {
        MemoryRecord m = new MemoryRecord();
        m.id = id;
        m.namespace = ns;
        m.kind = "episode";
        m.text = "t" + id;
        m.createdAtMs = 500;
        m.confidence = 0.8f;
        m.cheapOutcome = 1f;
        m.strongOutcome = 1f;
        m.useCount = 3;
        m.successRate = 0.5f;
        m.tags = new String[0];
        m.sourceId = "test";
        m.embedding = unit();
        m.updatedAtMs = version;
        return m;
    }

    private static RouterConfig config() {
        RouterConfig c = new RouterConfig();
        c.retrievalK = 20;
        c.retrievalBreaker = new CircuitBreaker.Settings(5, 60_000, 60_000);
        return c;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> harness(
            RouterConfig c) throws Exception {
        // Not opened: a test restores state into it first, or opens it as it is.
        return new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new MemoryRetriever(c)),
                q -> q.namespace, e -> e.namespace, Types.STRING);
    }

    private static QueryContext last(KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> h) {
        List<QueryContext> out = h.extractOutputValues();
        return out.get(out.size() - 1);
    }

    @Test
    void candidatesAreTheExactTopKOfAStoreHoldingTheSameMemories() throws Exception {
        List<MemoryRecord> records = new ArrayList<>();
        for (int i = 0; i < 500; i++) records.add(memory("m" + i, "ns", 1));
        try (var h = harness(config()); MemoryStore exact = MemoryStore.openWritable(dir.resolve("exact.db"))) {
            h.open();
            exact.upsert(records);
            for (MemoryRecord r : records) h.processElement2(MemoryEvent.upsert(r), 0);
            CandidateSet want = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
            for (int i = 0; i < 10; i++) {
                QueryContext q = query("q" + i, "ns", unit());
                h.processElement1(q, 0);
                QueryContext out = last(h);
                assertEquals(20, exact.topK("ns", q.embedding, 20, null, want));
                assertArrayEquals(Arrays.copyOf(want.ids, 20), out.candidateIds, "query " + i);
                assertNull(out.retrievalNote);
                assertEquals(1f, out.candidateFeatures[FeatureLayout.C_PRESENT]);
                assertEquals(0f, out.candidateFeatures[20 * FeatureLayout.CANDIDATE_WIDTH + FeatureLayout.C_PRESENT]);
            }
            QueryContext other = query("q-other", "empty-ns", unit());
            h.processElement1(other, 0);
            assertEquals(0, last(h).candidateCount);
            assertEquals("no memories in namespace empty-ns", last(h).retrievalNote);
        }
    }

    @Test
    void deletesAndOlderVersionsAreApplied() throws Exception {
        try (var h = harness(config())) {
            h.open();
            MemoryRecord a = memory("a", "ns", 100);
            h.processElement2(MemoryEvent.upsert(a), 0);
            h.processElement1(query("q1", "ns", a.embedding), 0);
            assertArrayEquals(new String[] {"a"}, last(h).candidateIds);

            MemoryRecord older = memory("a", "ns", 50);
            h.processElement2(MemoryEvent.upsert(older), 0);
            h.processElement1(query("q2", "ns", a.embedding), 0);
            assertEquals(1f, last(h).candidateFeatures[FeatureLayout.C_SIMILARITY], 1e-5f, "the older version is ignored");

            h.processElement2(MemoryEvent.delete("ns", "a", 200), 0);
            h.processElement1(query("q3", "ns", a.embedding), 0);
            assertEquals(0, last(h).candidateCount);
            h.processElement2(MemoryEvent.upsert(memory("a", "ns", 150)), 0);
            h.processElement1(query("q4", "ns", a.embedding), 0);
            assertEquals(0, last(h).candidateCount, "an upsert older than the delete does not bring it back");
            h.processElement2(MemoryEvent.upsert(memory("a", "ns", 300)), 0);
            h.processElement1(query("q5", "ns", a.embedding), 0);
            assertEquals(1, last(h).candidateCount, "a newer upsert does");
        }
    }

    @Test
    void feedbackAddsAnEpisodeAndCountsUsesOnceAndSurvivesARestore() throws Exception {
        RouterConfig c = config();
        MemoryRecord used = memory("used", "ns", 1);
        float[] question = unit();
        OperatorSubtaskState snapshot;
        try (var h = harness(c)) {
            h.open();
            h.processElement2(MemoryEvent.upsert(used), 0);
            h.processElement1(query("asked", "ns", question), 0);
            MemoryEvent fb = MemoryEvent.feedback("ns", "asked", "cheap", "small", 1f, new String[] {"used"}, 5_000);
            h.processElement2(fb, 0);
            h.processElement2(fb, 0); // replayed: nothing changes
            List<org.apache.flink.streaming.runtime.streamrecord.StreamRecord<KafkaMessage>> published =
                    new ArrayList<>(h.getSideOutput(RouterOutputs.MEMORY_UPDATES));
            assertEquals(2, published.size(), "the used memory and the new episode, once");
            AgentMemory updated = AvroWire.MEMORY.decode(published.get(0).getValue().value);
            assertEquals("used", updated.getMemoryId());
            assertEquals(4, updated.getUseCount());
            assertEquals(5_000, updated.getLastUsedAtMs());
            assertEquals((0.5f * 3 + 1f) / 4, updated.getSuccessRate(), 1e-6f);
            AgentMemory episode = AvroWire.MEMORY.decode(published.get(1).getValue().value);
            assertEquals("fb-asked", episode.getMemoryId());
            assertEquals(1f, episode.getCheapOutcome());
            assertNull(episode.getStrongOutcome());
            assertEquals("question asked", episode.getText());

            h.processElement1(query("again", "ns", question), 0);
            QueryContext out = last(h);
            assertEquals(2, out.candidateCount);
            assertEquals("fb-asked", out.candidateIds[0]);

            // Reading back what the job published (same versions) changes nothing.
            h.processElement2(MemoryEvent.upsert(MemoryMessages.fromMessage(updated)), 0);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(c)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement2(MemoryEvent.feedback("ns", "asked", "cheap", "small", 1f, new String[] {"used"}, 5_000), 0);
            assertTrue(h.getSideOutput(RouterOutputs.MEMORY_UPDATES) == null
                    || h.getSideOutput(RouterOutputs.MEMORY_UPDATES).isEmpty(), "applied before the snapshot: not again");
            h.processElement1(query("after-restore", "ns", question), 0);
            QueryContext out = last(h);
            assertEquals(2, out.candidateCount, "the index is rebuilt from the restored state");
            assertEquals("fb-asked", out.candidateIds[0]);
            int usedRow = out.candidateIds[0].equals("used") ? 0 : 1;
            float frequency = out.candidateFeatures[usedRow * FeatureLayout.CANDIDATE_WIDTH + FeatureLayout.C_FREQUENCY];
            h.processElement2(MemoryEvent.feedback("ns", "other", "strong", "big", 0f, new String[] {"used"}, 6_000), 0);
            h.processElement1(query("after-more", "ns", question), 0);
            QueryContext more = last(h);
            assertTrue(more.candidateFeatures[usedRow * FeatureLayout.CANDIDATE_WIDTH + FeatureLayout.C_FREQUENCY] > frequency,
                    "a new outcome counts another use");
            assertFalse(Arrays.asList(more.candidateIds).contains("fb-other"), "no vector for 'other': no episode");
        }
    }

    @Test
    void deleteMarkersRefuseOlderCopiesUntilTheirRetentionThenGoAndTheirTimersSurviveARestore() throws Exception {
        RouterConfig c = config();
        c.deleteMarkerRetentionMs = 60_000;
        c.recentQueryTtlMs = 0; // no recent-query state or timers: the namespace's state is the memory and its marker
        MemoryRecord a = memory("a", "ns", 100);
        OperatorSubtaskState snapshot;
        try (var h = harness(c)) {
            h.open();
            h.setProcessingTime(1_000);
            h.processElement2(MemoryEvent.upsert(a), 0);
            assertEquals(1, h.numKeyedStateEntries(), "the memory");
            h.processElement2(MemoryEvent.delete("ns", "a", 200), 0);
            h.processElement2(MemoryEvent.delete("ns", "never-seen", 200), 0);
            assertEquals(2, h.numKeyedStateEntries(), "no memory; markers (event time, expiry) of a and never-seen");
            assertEquals(1, h.numProcessingTimeTimers(), "both markers expire at 61 s, one timer (1 s granularity)");

            h.setProcessingTime(30_000);
            h.processElement2(MemoryEvent.upsert(memory("a", "ns", 150)), 0);
            h.processElement1(query("q1", "ns", a.embedding), 0);
            assertEquals(0, last(h).candidateCount, "an older copy within the retention is refused");
            snapshot = h.snapshot(1, 30_000);
        }
        try (var h = harness(c)) {
            h.initializeState(snapshot);
            h.open();
            assertEquals(1, h.numProcessingTimeTimers(), "the cleanup timer is part of the checkpoint");
            h.setProcessingTime(60_999);
            assertEquals(2, h.numKeyedStateEntries(), "markers restored and still there just before expiry");
            h.processElement2(MemoryEvent.upsert(memory("a", "ns", 150)), 0);
            h.processElement1(query("q2", "ns", a.embedding), 0);
            assertEquals(0, last(h).candidateCount, "after the restore, still refused within the retention");

            h.setProcessingTime(62_000);
            assertEquals(0, h.numProcessingTimeTimers());
            assertEquals(0, h.numKeyedStateEntries(), "both markers gone: the namespace holds no state");

            // The documented trade-off: past the retention a copy older than the delete is a memory again.
            h.processElement2(MemoryEvent.upsert(memory("a", "ns", 150)), 0);
            h.processElement1(query("q3", "ns", a.embedding), 0);
            assertEquals(1, last(h).candidateCount);
        }
    }

    @Test
    void aRepeatedDeleteRestartsTheRetentionAndANewerVersionClearsTheMarker() throws Exception {
        RouterConfig c = config();
        c.deleteMarkerRetentionMs = 60_000;
        c.recentQueryTtlMs = 0;
        try (var h = harness(c)) {
            h.open();
            h.setProcessingTime(0);
            h.processElement2(MemoryEvent.delete("ns", "a", 200), 0);
            h.setProcessingTime(50_000);
            h.processElement2(MemoryEvent.delete("ns", "a", 200), 0); // read again: e.g. a replay
            h.setProcessingTime(70_000);
            h.processElement2(MemoryEvent.upsert(memory("a", "ns", 150)), 0);
            h.processElement1(query("q1", "ns", unit()), 0);
            assertEquals(0, last(h).candidateCount, "the marker counts from the latest delete: kept until 110 s");
            h.setProcessingTime(111_000);
            assertEquals(0, h.numKeyedStateEntries());

            h.processElement2(MemoryEvent.delete("ns", "b", 200), 0);
            h.processElement2(MemoryEvent.upsert(memory("b", "ns", 300)), 0);
            assertEquals(1, h.numKeyedStateEntries(), "a newer version removes the marker with its expiry: only the memory");
        }
    }

    @Test
    void aFullIndexIsReportedAndQueriesStillGetDecisions() throws Exception {
        RouterConfig c = config();
        c.maxIndexedMemories = 1;
        try (var h = harness(c)) {
            h.open();
            MemoryRecord a = memory("a", "ns", 1);
            h.processElement2(MemoryEvent.upsert(a), 0);
            h.processElement2(MemoryEvent.upsert(memory("b", "ns", 1)), 0);
            h.processElement1(query("q", "ns", a.embedding), 0);
            QueryContext out = last(h);
            assertEquals(1, out.candidateCount);
            assertTrue(out.retrievalNote.startsWith("memory index full"), out.retrievalNote);
        }
    }
}
