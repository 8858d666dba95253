package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.learning.NamespaceLearner;
import org.agentrouter.learning.NamespaceOutcomes;
import org.agentrouter.learning.SharedPrior;
import org.agentrouter.query.QueryContext;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The learner in the retrieval operator (Flink's keyed harness, real keyed state): with learning on, each query is
 * decided by {@link NamespaceLearner} over the namespace's outcomes so far, feedback counts once per query id, probe
 * outcomes reach the state, the state survives a snapshot restored at another parallelism (it moves with the
 * namespace's key group), and a snapshot taken with learning off restores into a learning operator as stage 0.
 */
class NamespaceLearningTest {
    private static final int MAX_PARALLELISM = 128;
    private static final double PRIOR = 0.35;
    private final Random rnd = new Random(5);

    /** Prior 0.35, cheap below 0.3 at every stage, every query may go cheap, probes until 4 outcomes: small enough to see each effect. */
    private static LearnerSettings settings() {
        return new LearnerSettings(SharedPrior.constant(PRIOR), 4, 0.3, 0.5, new int[] {0, 3}, new double[] {0.1},
                new double[][] {{0.3, 0.3}}, 1.0, 1.0, 4, 7);
    }

    private static RouterConfig config(boolean learning) {
        RouterConfig c = new RouterConfig();
        c.retrievalK = 10;
        c.learning = learning;
        c.coldStart = settings();
        return c;
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> harness(
            boolean learning, int parallelism, int subtask) throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(new MemoryRetriever(config(learning))),
                q -> q.namespace, e -> e.namespace, Types.STRING, MAX_PARALLELISM, parallelism, subtask);
    }

    private QueryContext query(String id, String ns) {
        QueryContext q = new QueryContext();
        q.queryId = id;
        q.namespace = ns;
        q.text = "Which of these is NOT a group?";
        q.tags = new String[0];
        q.embedding = new float[FeatureLayout.EMBEDDING_DIM];
        q.embedding[rnd.nextInt(q.embedding.length)] = 1f;
        q.eventTimeMs = 1_000;
        return q;
    }

    private static MemoryEvent feedback(String ns, String queryId, String route, float outcome, float probeOutcome) {
        MemoryEvent e = MemoryEvent.feedback(ns, queryId, route, "m", outcome, new String[0], 2_000);
        e.probeOutcome = probeOutcome;
        return e;
    }

    private static QueryContext decided(KeyedTwoInputStreamOperatorTestHarness<String, QueryContext, MemoryEvent, QueryContext> h) {
        List<QueryContext> out = h.extractOutputValues();
        return out.get(out.size() - 1);
    }

    @Test
    void theNamespacesOutcomesDecideItsNextQueriesAndSurviveARescale() throws Exception {
        LearnerSettings s = settings();
        NamespaceOutcomes expected = new NamespaceOutcomes();
        OperatorSubtaskState snapshot;
        try (var h = harness(true, 1, 0)) {
            h.open();
            h.processElement1(query("q0", "ns"), 0);
            QueryContext first = decided(h);
            assertEquals(0, first.learned.outcomes);
            assertEquals(PRIOR, first.learned.pStrong, 1e-12, "no outcome yet: the prior");
            assertTrue(first.learned.strong && first.learned.probe, "above the threshold: strong, probed while learning");
            // strong answered well, the probed cheap model failed: the query needed the strong model
            h.processElement2(feedback("ns", "q0", "strong", 1f, 0f), 0);
            expected.add(true, 0, 1, true);
            h.processElement2(feedback("ns", "q0", "strong", 1f, 1f), 0); // a duplicate: not counted again
            // three easy ones: cheap model right (seen through the probe), so the namespace rarely needs strong
            for (int i = 1; i <= 3; i++) {
                h.processElement1(query("q" + i, "ns"), 0);
                QueryContext q = decided(h);
                NamespaceLearner.Decision want = NamespaceLearner.decide(s, 0, PRIOR, expected, "q" + i);
                assertEquals(want.pStrong(), q.learned.pStrong, 1e-12, "query " + i);
                assertEquals(want.strong(), q.learned.strong, "query " + i);
                assertEquals(want.probe(), q.learned.probe, "query " + i);
                assertEquals(expected.outcomes, q.learned.outcomes);
                String route = q.learned.strong ? "strong" : "cheap";
                h.processElement2(feedback("ns", "q" + i, route, 1f, q.learned.probe ? 1f : Float.NaN), 0);
                expected.add(q.learned.strong, q.learned.strong ? (q.learned.probe ? 1 : Double.NaN) : 1,
                        q.learned.strong ? 1 : (q.learned.probe ? 1 : Double.NaN), q.learned.probe);
            }
            assertEquals(4, expected.outcomes);
            snapshot = h.snapshot(1, 1);
        }
        double wantP = NamespaceLearner.decide(s, 0, PRIOR, expected, "after").pStrong();
        assertTrue(wantP < PRIOR, "easy outcomes lowered p_strong: " + wantP);
        // Rescaled to 2: the namespace's outcomes are in the subtask that owns its key group, and only there.
        int owner = KeyGroupRangeAssignment.assignKeyToParallelOperator("ns", MAX_PARALLELISM, 2);
        for (int subtask = 0; subtask < 2; subtask++) {
            try (var h = harness(true, 2, subtask)) {
                h.initializeState(AbstractStreamOperatorTestHarness.repartitionOperatorState(snapshot, MAX_PARALLELISM, 1, 2, subtask));
                h.open();
                if (subtask != owner) continue;
                h.processElement1(query("after", "ns"), 0);
                QueryContext q = decided(h);
                assertEquals(4, q.learned.outcomes, "restored with the namespace");
                assertEquals(wantP, q.learned.pStrong, 1e-12);
                String fresh = "fresh-0";
                for (int i = 1; KeyGroupRangeAssignment.assignKeyToParallelOperator(fresh, MAX_PARALLELISM, 2) != owner; i++) fresh = "fresh-" + i;
                h.processElement1(query("other", fresh), 0);
                assertEquals(0, decided(h).learned.outcomes, "another namespace starts from the prior");
            }
        }
    }

    @Test
    void aSnapshotWithoutLearnerStateRestoresIntoALearningOperator() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(false, 1, 0)) {
            h.open();
            h.processElement1(query("q0", "ns"), 0);
            assertNull(decided(h).learned, "learning off: no learner decision");
            h.processElement2(feedback("ns", "q0", "strong", 1f, Float.NaN), 0);
            snapshot = h.snapshot(1, 1);
        }
        try (var h = harness(true, 1, 0)) {
            h.initializeState(snapshot);
            h.open();
            h.processElement1(query("q1", "ns"), 0);
            QueryContext q = decided(h);
            assertEquals(0, q.learned.outcomes, "the outcome applied before learning was on is not in the learner");
            assertEquals(1, q.candidateCount, "the memories restored as before: the episode of q0");
            // q0's feedback was applied already: sent again, it does not count now either
            h.processElement2(feedback("ns", "q0", "strong", 1f, Float.NaN), 0);
            h.processElement1(query("q2", "ns"), 0);
            assertEquals(0, decided(h).learned.outcomes);
            h.processElement2(feedback("ns", "q1", "strong", 0f, Float.NaN), 0);
            h.processElement1(query("q3", "ns"), 0);
            assertEquals(1, decided(h).learned.outcomes);
            assertFalse(Double.isNaN(decided(h).learned.pStrong));
        }
    }
}
