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
}
