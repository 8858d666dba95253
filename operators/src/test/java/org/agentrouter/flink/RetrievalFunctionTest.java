package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.MemoryStore;
import org.agentrouter.memory.QuantizedIndex;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.QueryContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retrieval stage alone on a real sqlite-vec store: candidates become feature rows; a store
 * that breaks under the operator gives decisions without context, and the breaker stops asking it.
 */
class RetrievalFunctionTest {
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

    private QueryContext query(String id) {
        QueryContext q = new QueryContext();
        q.queryId = id;
        q.namespace = "ns";
        q.text = "hello";
        q.tags = new String[0];
        q.embedding = unit();
        q.eventTimeMs = 1_000;
        return q;
    }

    private Path store(int memories) throws Exception {
        Path db = dir.resolve("memory.db");
        List<MemoryRecord> records = new ArrayList<>();
        for (int i = 0; i < memories; i++) {
            MemoryRecord m = new MemoryRecord();
            m.id = "m" + i;
            m.namespace = "ns";
            m.kind = "episode";
            m.text = "t" + i;
            m.successRate = Float.NaN;
            m.reward = Float.NaN;
            m.confidence = 0.8f;
            m.cheapOutcome = 1f;
            m.strongOutcome = 1f;
            m.tags = new String[0];
            m.sourceId = "test";
            m.embedding = unit();
            records.add(m);
        }
        try (MemoryStore s = MemoryStore.openWritable(db)) {
            s.upsert(records);
        }
        return db;
    }

    private KeyedOneInputStreamOperatorTestHarness<String, QueryContext, QueryContext> harness(Path db, int threshold)
            throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new RetrievalFunction(db.toString(), 20, new CircuitBreaker.Settings(threshold, 60_000, 60_000)),
                q -> q.namespace, Types.STRING);
    }

    @Test
    void fillsFeatureRowsFromTheStore() throws Exception {
        try (var h = harness(store(50), 5)) {
            h.processElement(query("q"), 0);
            QueryContext out = h.extractOutputValues().get(0);
            assertEquals(20, out.candidateCount);
            assertNull(out.retrievalNote);
            assertEquals(1f, out.candidateFeatures[FeatureLayout.C_PRESENT]);
            assertEquals(0f, out.candidateFeatures[20 * FeatureLayout.CANDIDATE_WIDTH + FeatureLayout.C_PRESENT]);
            assertEquals(20f / FeatureLayout.MAX_CANDIDATES, out.queryFeatures[FeatureLayout.Q_CANDIDATE_FILL]);
        }
    }

    @Test
    void candidatesAreTheExactTopKAndNewMemoriesAppearAfterOpen() throws Exception {
        Path db = store(500);
        var function = new RetrievalFunction(db.toString(), 20, new CircuitBreaker.Settings(5, 60_000, 60_000),
                new QuantizedIndex.Settings(4, 0, false));
        try (var h = ProcessFunctionTestHarnesses.forKeyedProcessFunction(function, q -> q.namespace, Types.STRING);
             MemoryStore exact = MemoryStore.openWritable(db)) {
            CandidateSet want = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
            for (int i = 0; i < 10; i++) {
                QueryContext q = query("q" + i);
                h.processElement(q, 0);
                QueryContext out = h.extractOutputValues().get(i);
                assertEquals(20, exact.topK("ns", q.embedding, 20, null, want));
                assertArrayEquals(java.util.Arrays.copyOf(want.ids, 20), out.candidateIds, "query " + i);
            }
            // Written while the operator runs: the index picks it up on its next refresh (interval 0 here).
            QueryContext q = query("after-write");
            MemoryRecord added = new MemoryRecord();
            added.id = "added";
            added.namespace = "ns";
            added.kind = "episode";
            added.text = "new";
            added.tags = new String[0];
            added.embedding = q.embedding.clone();
            exact.upsert(List.of(added));
            h.processElement(q, 0);
            assertEquals("added", h.extractOutputValues().get(10).candidateIds[0]);
        }
    }

    @Test
    void aStoreThatBreaksGivesNoContextAndOpensTheBreaker() throws Exception {
        Path db = store(50);
        try (var h = harness(db, 2)) {
            h.processElement(query("before"), 0);
            // Another process damages the store under the running operator.
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
                st.execute("DROP TABLE memories");
            }
            for (int i = 0; i < 3; i++) h.processElement(query("after-" + i), 0);
            List<QueryContext> out = h.extractOutputValues();
            assertEquals(4, out.size(), "no query is lost");
            assertEquals(20, out.get(0).candidateCount);
            for (int i = 1; i <= 2; i++) {
                assertEquals(0, out.get(i).candidateCount);
                assertTrue(out.get(i).retrievalNote.startsWith("retrieval failed"), out.get(i).retrievalNote);
            }
            assertEquals("retrieval circuit open", out.get(3).retrievalNote);
        }
    }

    @Test
    void aMissingStoreIsReportedOnEveryQueryNamingThePath() throws Exception {
        Path missing = dir.resolve("nowhere.db");
        try (var h = harness(missing, 5)) {
            h.processElement(query("q"), 0);
            QueryContext out = h.extractOutputValues().get(0);
            assertEquals(0, out.candidateCount);
            assertTrue(out.retrievalNote.contains("nowhere.db"), out.retrievalNote);
        }
    }
}
