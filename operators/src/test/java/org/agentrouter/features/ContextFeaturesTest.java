package org.agentrouter.features;

import static org.agentrouter.features.FeatureLayout.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.agentrouter.memory.CandidateSet;
import org.junit.jupiter.api.Test;

class ContextFeaturesTest {
    @Test
    void queryNamesTimesAndTemporalQuestionsAreRead() {
        QuerySignals s = new QuerySignals().read("When did Caroline's friend Melanie paint a sunrise in May 2023?");
        assertEquals(List.of("caroline", "melanie"), s.names);
        assertEquals(5, s.month);
        assertEquals(2023, s.year);
        assertTrue(s.temporal);
        s.read("What may Jon do next?");
        assertEquals(List.of("jon"), s.names);
        assertEquals(0, s.month, "the verb 'may' is not the month");
        assertFalse(s.temporal);
        assertTrue(s.read("How long has Gina been dancing?").temporal);
        assertTrue(s.read("In what year did Tim move?").temporal);
    }

    @Test
    void timeWordsAndWholeWordsAreFoundWithoutRegularExpressions() {
        assertTrue(ContextFeatures.hasTimeWords("I went there Yesterday."));
        assertTrue(ContextFeatures.hasTimeWords("back in 2019 it rained"));
        assertTrue(ContextFeatures.hasTimeWords("See you in August"));
        assertFalse(ContextFeatures.hasTimeWords("a lasting impression of 12345"));
        assertTrue(ContextFeatures.containsWord("Caroline: hi", "caroline"));
        assertTrue(ContextFeatures.containsWord("that was Caroline's idea", "caroline"));
        assertFalse(ContextFeatures.containsWord("Carolines", "caroline"));
    }

    private static long at(int year, int month, int day, int minute) {
        return LocalDate.of(year, month, day).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli() + minute * 60_000L;
    }

    @Test
    void contextColumnsFromTheCandidatesAndTheQuery() {
        CandidateSet c = new CandidateSet(MAX_CANDIDATES);
        String[] texts = {"Caroline: I went to the support group yesterday", "Melanie: that is great",
                "Melanie: we went camping in June", "Jon: hello there"};
        float[] sims = {0.9f, 0.6f, 0.5f, 0.4f};
        long[] times = {at(2023, 5, 8, 0), at(2023, 5, 8, 1), at(2023, 6, 20, 0), at(2023, 5, 8, 30)};
        for (int i = 0; i < 4; i++) {
            int row = c.add("m" + i, sims[i]);
            c.text[row] = texts[i];
            c.createdAtMs[row] = times[i];
            c.sessionId[row] = i == 2 ? "s2" : "s1";
        }
        c.lexicalScore[0] = 8f;
        c.lexicalRank[0] = 0;
        c.lexicalScore[2] = 2f;
        c.lexicalRank[2] = 1;
        c.denseRank[3] = -1; // found by its words only
        float[] out = new float[MAX_CANDIDATES * CANDIDATE_WIDTH];
        new ContextFeatures().fill(c, 4, "When did Caroline go to the support group in May?", out);
        int r0 = 0;
        int r1 = CANDIDATE_WIDTH;
        int r2 = 2 * CANDIDATE_WIDTH;
        int r3 = 3 * CANDIDATE_WIDTH;
        assertEquals(1f, out[r0 + C_LEXICAL]);
        assertEquals(0.25f, out[r2 + C_LEXICAL]);
        assertEquals(0f, out[r1 + C_LEXICAL]);
        assertEquals(1f, out[r0 + C_LEXICAL_RANK]);
        assertEquals(10f / 11f, out[r2 + C_LEXICAL_RANK], 1e-6);
        assertEquals(0f, out[r3 + C_DENSE_RANK]);
        assertEquals(10f / 11f, out[r1 + C_DENSE_RANK], 1e-6);
        assertEquals(-0.3f, out[r1 + C_SIMILARITY_GAP], 1e-6);
        assertEquals(1f, out[r0 + C_ENTITY_OVERLAP]);
        assertEquals(0f, out[r1 + C_ENTITY_OVERLAP]);
        assertEquals(1f, out[r1 + C_QUERY_NAMES]);
        // Session s1 holds rows 0, 1 and 3: row 1's best other is row 0 (0.9, the best overall: gap 0).
        assertEquals(0f, out[r1 + C_SESSION_SIMILARITY], 1e-6);
        assertEquals(-0.3f, out[r0 + C_SESSION_SIMILARITY], 1e-6);
        assertEquals(1f, out[r1 + C_SESSION_LEXICAL]);
        assertEquals(2f / MAX_CANDIDATES, out[r0 + C_SESSION_SHARE], 1e-6);
        assertEquals(-1f, out[r2 + C_SESSION_SIMILARITY], "alone in its session");
        // Neighbours: rows 0 and 1 are a minute apart; row 3 is 30 minutes later, no neighbour.
        assertEquals(0f, out[r1 + C_NEIGHBOUR_SIMILARITY], 1e-6);
        assertEquals(-0.3f, out[r0 + C_NEIGHBOUR_SIMILARITY], 1e-6);
        assertEquals(-1f, out[r3 + C_NEIGHBOUR_SIMILARITY]);
        assertEquals(1f, out[r0 + C_TIME_MATCH], "May");
        assertEquals(0f, out[r2 + C_TIME_MATCH], "June");
        assertEquals(1f, out[r0 + C_QUERY_TEMPORAL]);
        assertEquals(1f, out[r0 + C_MEMORY_TIME_WORDS]);
        assertEquals(0f, out[r1 + C_MEMORY_TIME_WORDS]);
        assertEquals((float) (Math.log1p(texts[3].length()) / Math.log1p(1000)), out[r3 + C_TEXT_LENGTH], 1e-6);
    }
}
