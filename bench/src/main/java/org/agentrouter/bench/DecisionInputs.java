package org.agentrouter.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.agentrouter.features.FeatureAssembler;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.intake.InvalidQueryException;
import org.agentrouter.query.QueryContext;
import org.agentrouter.intake.QueryValidator;
import org.agentrouter.schema.AgentQuery;

/**
 * Realistic inputs for one routing decision, built once per benchmark state from a fixed seed: a
 * 384-d unit query vector, a one-sentence question with tags and a session, and 100 retrieved
 * memories with the spread of values a real store returns (similarities falling off from the best
 * match, ages of days to months, some known outcomes, shared tags and sessions).
 */
final class DecisionInputs {
    static final int CANDIDATES = 100;
    static final String NAMESPACE = "agent-bench";
    static final String SESSION = "session-7";
    static final String[] TAG_POOL = {"math", "physics", "code", "history", "law", "medicine", "finance", "biology"};
    static final String TEXT = "A ball is thrown upward at 12 m/s from a 20 m tall building. How long until it "
            + "hits the ground, and what is its speed at impact? Explain each step.";
    /** A fixed wall clock, so recency features do not drift during a run. */
    static final long NOW_MS = 1_780_000_000_000L;

    final AgentQuery query;
    final CandidateSet candidates;
    final float[] embedding;
    final String[] tags = {"physics", "math"};

    DecisionInputs(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        embedding = unitVector(random);
        List<Float> vector = new ArrayList<>(FeatureLayout.EMBEDDING_DIM);
        for (float v : embedding) vector.add(v);
        query = AgentQuery.newBuilder()
                .setQueryId("q-" + Long.toHexString(seed))
                .setNamespace(NAMESPACE)
                .setUserId("user-42")
                .setSessionId(SESSION)
                .setText(TEXT)
                .setEmbedding(vector)
                .setEventTimeMs(NOW_MS)
                .setAlpha(0.1)
                .setContextK(10)
                .setTags(List.of(tags))
                .build();
        candidates = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
        fillCandidates(candidates, random);
    }

    /** The context the retrieval stage hands on: decoded, validated, features assembled for 100 candidates. */
    QueryContext retrievedContext() {
        QueryContext q = decodedContext();
        assembleInto(q);
        return q;
    }

    /** The context as the decode stage produces it (before retrieval). */
    QueryContext decodedContext() {
        try {
            QueryContext q = new QueryValidator(100).toContext(query);
            q.ingestMicros = NOW_MS * 1_000;
            return q;
        } catch (InvalidQueryException e) {
            throw new IllegalStateException("benchmark query is invalid: " + e.getMessage(), e);
        }
    }

    /** What MemoryRetriever does after the store answered: new feature arrays, features, candidate ids. */
    void assembleInto(QueryContext q) {
        q.candidateFeatures = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
        q.queryFeatures = new float[FeatureLayout.QUERY_WIDTH];
        int n = FeatureAssembler.candidates(candidates, q.eventTimeMs, q.tags, q.sessionId, q.candidateFeatures);
        FeatureAssembler.query(q.embedding, q.text, n, q.queryFeatures);
        q.candidateCount = n;
        q.candidateIds = new String[n];
        System.arraycopy(candidates.ids, 0, q.candidateIds, 0, n);
    }

    static float[] unitVector(SplittableRandom random) {
        float[] v = new float[FeatureLayout.EMBEDDING_DIM];
        double norm = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < v.length; i++) v[i] *= inv;
        return v;
    }

    private static void fillCandidates(CandidateSet c, SplittableRandom random) {
        c.clear();
        for (int i = 0; i < CANDIDATES; i++) {
            // Top-k by cosine: falling from ~0.9 for the best match towards ~0.4.
            float similarity = (float) (0.9 - 0.5 * i / CANDIDATES + random.nextDouble(-0.02, 0.02));
            int row = c.add("mem-" + i, similarity);
            long ageDays = random.nextLong(1, 180);
            c.createdAtMs[row] = NOW_MS - ageDays * 86_400_000L;
            c.lastUsedAtMs[row] = random.nextInt(3) == 0 ? 0L : NOW_MS - random.nextLong(1, ageDays + 1) * 86_400_000L;
            c.useCount[row] = random.nextInt(0, 500);
            c.successRate[row] = random.nextInt(4) == 0 ? Float.NaN : (float) random.nextDouble();
            c.confidence[row] = random.nextInt(4) == 0 ? Float.NaN : (float) random.nextDouble(0.3, 1.0);
            c.cheapOutcome[row] = random.nextBoolean() ? (random.nextBoolean() ? 1f : 0f) : Float.NaN;
            c.strongOutcome[row] = random.nextBoolean() ? (random.nextInt(5) == 0 ? 0f : 1f) : Float.NaN;
            c.sessionId[row] = random.nextInt(10) == 0 ? SESSION : "session-" + random.nextInt(1000);
            c.kind[row] = "episode";
            c.tags[row] = new String[] {TAG_POOL[random.nextInt(TAG_POOL.length)], TAG_POOL[random.nextInt(TAG_POOL.length)]};
        }
    }
}
