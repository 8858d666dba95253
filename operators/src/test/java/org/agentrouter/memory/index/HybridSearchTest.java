package org.agentrouter.memory.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.lexical.LexicalIndex;
import org.agentrouter.wire.Embeddings;
import org.junit.jupiter.api.Test;

class HybridSearchTest {
    private static float[] unit(Random r) {
        float[] v = new float[Embeddings.DIM];
        double n = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
            n += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
        return v;
    }

    private static MemoryRecord memory(String id, String text, float[] v) {
        MemoryRecord m = new MemoryRecord();
        m.id = id;
        m.namespace = "ns";
        m.kind = MemoryRecord.EPISODE;
        m.text = text;
        m.embedding = v;
        m.createdAtMs = 1000;
        return m;
    }

    @Test
    void aMemoryFoundOnlyByItsWordsJoinsWithItsExactCosineAndRowsStayOrderedBySimilarity() {
        Random r = new Random(3);
        float[] query = unit(r);
        try (LiveMemoryIndex dense = new LiveMemoryIndex(IndexSettings.of(4)); LexicalIndex lexical = new LexicalIndex()) {
            // 200 memories; the query's word is only in memory 150, whose vector is random (far from the query).
            for (int i = 0; i < 200; i++) {
                MemoryRecord m = memory("m" + i, i == 150 ? "the zeppelin museum trip" : "ordinary memory number " + i, unit(r));
                dense.upsert(m);
                lexical.upsert("ns", m.id, m.text, true);
            }
            CandidateSet denseOnly = new CandidateSet(128);
            dense.topK("ns", query, 10, null, denseOnly);
            assertTrue(Arrays.stream(denseOnly.ids, 0, 10).noneMatch("m150"::equals), "cosine alone misses it");

            HybridSearch hybrid = new HybridSearch(dense, lexical, 128, 16);
            CandidateSet out = new CandidateSet(128);
            assertEquals(10, hybrid.topK("ns", query, "Which zeppelin museum did they visit?", 10, null, out));
            int row = Arrays.asList(out.ids).subList(0, out.size()).indexOf("m150");
            assertTrue(row >= 0, "fused in by its words");
            assertEquals(-1, out.denseRank[row]);
            assertEquals(0, out.lexicalRank[row]);
            assertTrue(out.lexicalScore[row] > 0);
            assertEquals("the zeppelin museum trip", out.text[row]);
            double exact = 0;
            for (int d = 0; d < query.length; d++) exact += query[d] * dense.get("ns", "m150").embedding[d];
            assertEquals(exact, out.similarity[row], 1e-5);
            for (int i = 1; i < out.size(); i++) assertTrue(out.similarity[i - 1] >= out.similarity[i], "ordered by cosine");
            // Without text it is the dense top-k.
            hybrid.topK("ns", query, null, 10, null, out);
            assertEquals(Arrays.asList(denseOnly.ids).subList(0, 10), Arrays.asList(out.ids).subList(0, 10));
        }
    }

    @Test
    void theFilterAppliesToMemoriesFoundByTheirWords() {
        Random r = new Random(4);
        try (LiveMemoryIndex dense = new LiveMemoryIndex(IndexSettings.of(4)); LexicalIndex lexical = new LexicalIndex()) {
            MemoryRecord skill = memory("s", "zeppelin repair skill", unit(r));
            skill.kind = MemoryRecord.SKILL;
            MemoryRecord episode = memory("e", "zeppelin ride", unit(r));
            for (MemoryRecord m : new MemoryRecord[] {skill, episode}) {
                dense.upsert(m);
                lexical.upsert("ns", m.id, m.text, true);
            }
            HybridSearch hybrid = new HybridSearch(dense, lexical, 128, 16);
            CandidateSet out = new CandidateSet(128);
            hybrid.topK("ns", unit(r), "zeppelin", 10, RetrievalFilter.ofKind(MemoryRecord.EPISODE), out);
            assertEquals(1, out.size());
            assertEquals("e", out.ids[0]);
        }
    }

    @Test
    void theTurnsNextToTheBestHitsJoinInPlaceOfTheWeakestCandidatesAndFollowUpdatesAndDeletes() {
        Random r = new Random(5);
        float[] query = unit(r);
        try (LiveMemoryIndex dense = new LiveMemoryIndex(IndexSettings.of(4)); LexicalIndex lexical = new LexicalIndex()) {
            // Session "s" of 9 turns a minute apart, far from the query's vector (no dense hit); only turn 4 has the
            // query's words. 100 other memories, no session.
            for (int i = 0; i < 9; i++) {
                float[] away = unit(r);
                for (int d = 0; d < away.length; d++) away[d] -= 2 * query[d];
                MemoryRecord m = memory("t" + i, i == 4 ? "the zeppelin museum trip" : "plain turn " + i, away);
                m.sessionId = "s";
                m.createdAtMs = 1_000 + 60_000L * i;
                dense.upsert(m);
                lexical.upsert("ns", m.id, m.text, true);
            }
            for (int i = 0; i < 100; i++) {
                MemoryRecord m = memory("m" + i, "ordinary memory " + i, unit(r));
                dense.upsert(m);
                lexical.upsert("ns", m.id, m.text, true);
            }
            assertEquals("t5", dense.sessionNeighbour("ns", "t4", 1).id);
            assertEquals("t2", dense.sessionNeighbour("ns", "t4", -2).id);
            assertEquals(null, dense.sessionNeighbour("ns", "t8", 1));
            assertEquals(null, dense.sessionNeighbour("ns", "m1", 1), "no session, no neighbour");

            String text = "Which zeppelin museum did they visit?";
            HybridSearch plain = new HybridSearch(dense, lexical, 128, 16);
            HybridSearch withNeighbours = new HybridSearch(dense, lexical, 128, 16, 3);
            CandidateSet before = new CandidateSet(128);
            CandidateSet after = new CandidateSet(128);
            plain.topK("ns", query, text, 10, null, before);
            withNeighbours.topK("ns", query, text, 10, null, after);
            java.util.List<String> ids = Arrays.asList(after.ids).subList(0, after.size());
            assertEquals(10, after.size(), "still k candidates");
            assertTrue(ids.contains("t4"));
            // t4, the best lexical hit, is the only source with a session: its neighbours at 1 come first, then t2 (the
            // cap is 3); no search found them, so they have no ranks, and they replace the 3 weakest fused candidates.
            for (String id : new String[] {"t3", "t5", "t2"}) {
                int row = ids.indexOf(id);
                assertTrue(row >= 0, id + " added next to the best lexical hit: " + ids);
                assertEquals(-1, after.denseRank[row]);
                assertEquals(-1, after.lexicalRank[row]);
                assertEquals(0f, after.lexicalScore[row]);
            }
            assertTrue(!ids.contains("t6"), "at most 3 added");
            java.util.List<String> plainIds = Arrays.asList(before.ids).subList(0, before.size());
            assertTrue(plainIds.contains("t4"));
            assertEquals(7, ids.stream().filter(plainIds::contains).count(), "the rest are candidates of the plain search");
            for (int i = 1; i < after.size(); i++) assertTrue(after.similarity[i - 1] >= after.similarity[i], "ordered by cosine");

            // A deleted turn is no one's neighbour any more; a moved one follows its new time.
            dense.delete("ns", "t5");
            assertEquals("t6", dense.sessionNeighbour("ns", "t4", 1).id);
            MemoryRecord moved = memory("t0", "plain turn 0", dense.get("ns", "t0").embedding);
            moved.sessionId = "s";
            moved.createdAtMs = 1_000 + 60_000L * 4 + 30_000;
            dense.upsert(moved);
            assertEquals("t0", dense.sessionNeighbour("ns", "t4", 1).id);
            assertEquals("t1", dense.sessionNeighbour("ns", "t2", -1).id);
        }
    }
}
