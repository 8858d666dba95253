package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.query.QueryContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The retrieval operator's lexical side: a memory that shares a rare word with the query but not its vector reaches
 * the candidates (not with lexical k = 0), the lexical index follows deletes, and after a restore it is rebuilt from
 * keyed state with the same candidates and features as before.
 */
class LexicalRetrievalRestoreTest {
    private final Random rnd = new Random(8);

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

    private MemoryRecord memory(String id, String text) {
        MemoryRecord m = new MemoryRecord();
        m.id = id;
        m.namespace = "ns";
        m.kind = MemoryRecord.EPISODE;
        m.text = text;
        m.sessionId = "s" + id.hashCode() % 7;
        m.createdAtMs = 500;
        m.tags = new String[0];
        m.embedding = unit();
        m.updatedAtMs = 1;
        return m;
    }

    private QueryContext query(String id, float[] v) {
        QueryContext q = new QueryContext();
        q.queryId = id;
        q.namespace = "ns";
        q.text = "When did we visit the zeppelin museum?";
        q.embedding = v;
        q.eventTimeMs = 1_000;
        return q;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> harness(int lexicalK)
            throws Exception {
        RouterConfig c = new RouterConfig();
        c.retrievalK = 20;
        c.lexicalK = lexicalK;
        return new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new MemoryRetriever(c)),
                q -> q.namespace, e -> e.namespace, Types.STRING);
    }

    private static QueryContext last(KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> h) {
        List<QueryContext> out = h.extractOutputValues();
        return out.get(out.size() - 1);
    }

    @Test
    void aMemoryFoundByItsWordsIsACandidateAndTheLexicalIndexIsRebuiltAfterARestore() throws Exception {
        float[] question = unit();
        OperatorSubtaskState snapshot;
        QueryContext before;
        try (var dense = harness(0); var h = harness(64)) {
            dense.open();
            h.open();
            for (int i = 0; i < 300; i++) {
                MemoryRecord m = memory("m" + i, i == 250 ? "We went to the zeppelin museum on Friday" : "an ordinary turn number " + i);
                dense.processElement2(MemoryEvent.upsert(m), 0);
                h.processElement2(MemoryEvent.upsert(m), 0);
            }
            dense.processElement1(query("q", question), 0);
            assertFalse(Arrays.asList(last(dense).candidateIds).contains("m250"), "cosine alone misses it");
            h.processElement1(query("q", question), 0);
            before = last(h);
            assertTrue(Arrays.asList(before.candidateIds).contains("m250"), "found by its words");
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(64)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement1(query("q", question), 0);
            QueryContext after = last(h);
            assertArrayEquals(before.candidateIds, after.candidateIds, "rebuilt from state: the same candidates");
            assertArrayEquals(before.candidateFeatures, after.candidateFeatures, "and the same features");
            h.processElement2(MemoryEvent.delete("ns", "m250", 10), 0);
            h.processElement1(query("q2", question), 0);
            assertFalse(Arrays.asList(last(h).candidateIds).contains("m250"), "deleted from the lexical side too");
        }
    }
}
