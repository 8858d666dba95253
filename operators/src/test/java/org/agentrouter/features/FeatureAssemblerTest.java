package org.agentrouter.features;

import static org.agentrouter.features.FeatureLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.agentrouter.memory.CandidateSet;
import org.junit.jupiter.api.Test;

class FeatureAssemblerTest {
    private static final long DAY = 86_400_000L;

    @Test
    void fillsEachColumnAsDocumentedAndZeroPadsTheRest() {
        CandidateSet c = new CandidateSet(MAX_CANDIDATES);
        long now = 100 * DAY;
        int i = c.add("m1", 0.9f);
        c.createdAtMs[i] = now - 60 * DAY;
        c.lastUsedAtMs[i] = now - 30 * DAY; // one half-life ago
        c.useCount[i] = 1000;
        c.confidence[i] = 0.8f;
        c.successRate[i] = 0.7f;
        c.cheapOutcome[i] = 0f;
        c.strongOutcome[i] = 1f;
        c.sessionId[i] = "s1";
        c.tags[i] = new String[] {"a", "b"};
        int j = c.add("m2", 0.5f); // nothing known
        float[] out = new float[MAX_CANDIDATES * CANDIDATE_WIDTH];
        java.util.Arrays.fill(out, 9f); // stale values must be overwritten
        assertEquals(2, FeatureAssembler.candidates(c, now, new String[] {"b", "c"}, "s1", out));

        assertEquals(1f, out[C_PRESENT]);
        assertEquals(0.9f, out[C_SIMILARITY]);
        assertEquals(0.5f, out[C_RECENCY], 1e-6);
        assertEquals(0.8f, out[C_CONFIDENCE]);
        assertEquals(1f, out[C_FREQUENCY], 1e-6);
        assertEquals(1f / 3f, out[C_TAG_OVERLAP], 1e-6);
        assertEquals(1f, out[C_SAME_SESSION]);
        assertEquals(0.7f, out[C_SUCCESS]);
        assertEquals(0f, out[C_CHEAP_OUTCOME]);
        assertEquals(1f, out[C_STRONG_OUTCOME]);
        assertEquals(1f, out[C_OUTCOME_KNOWN]);

        int row = j * CANDIDATE_WIDTH;
        assertEquals(0f, out[row + C_RECENCY]); // no timestamps at all
        assertEquals(0.5f, out[row + C_CONFIDENCE]);
        assertEquals(0.5f, out[row + C_CHEAP_OUTCOME]);
        assertEquals(0f, out[row + C_OUTCOME_KNOWN]);
        for (int k = 2 * CANDIDATE_WIDTH; k < out.length; k++) assertEquals(0f, out[k], "index " + k);
    }

    @Test
    void queryFeaturesCarryTheVectorAndTextSignals() {
        float[] emb = new float[EMBEDDING_DIM];
        emb[3] = 1f;
        float[] out = new float[QUERY_WIDTH];
        FeatureAssembler.query(emb, "Solve for x: 3x + 4 = 10", 64, out);
        assertEquals(1f, out[3]);
        assertEquals(1f, out[Q_MATH]);
        assertEquals(0f, out[Q_CODE]);
        assertEquals(0.5f, out[Q_CANDIDATE_FILL]);
        assertEquals((float) (Math.log1p(24) / 10.0), out[Q_LENGTH], 1e-6);
    }

    @Test
    void frequencyColumnIsTheDocumentedFormulaForEveryUseCount() {
        double saturation = Math.log1p(FREQUENCY_SATURATION);
        CandidateSet c = new CandidateSet(MAX_CANDIDATES);
        float[] out = new float[MAX_CANDIDATES * CANDIDATE_WIDTH];
        for (int uses = -3; uses <= 3000; uses++) {
            c.clear();
            c.useCount[c.add("m", 0.5f)] = uses;
            FeatureAssembler.candidates(c, 0L, null, null, out);
            float expected = (float) Math.min(1.0, Math.log1p(Math.max(0, uses)) / saturation);
            assertEquals(expected, out[C_FREQUENCY], "uses " + uses); // exactly, not within a tolerance
        }
    }
}
