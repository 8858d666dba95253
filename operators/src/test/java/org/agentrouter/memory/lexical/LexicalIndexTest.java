package org.agentrouter.memory.lexical;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class LexicalIndexTest {
    private static final List<String> TEXTS = List.of(
            "Caroline: I went to a LGBTQ support group yesterday and it was so powerful.",
            "Melanie: I painted a sunrise last year, the colours were amazing.",
            "Caroline: The adoption agencies I researched were welcoming.",
            "Melanie: Camping with the kids by the lake this weekend!",
            "Caroline: Thanks, Mel!");

    private static LexicalIndex filled(String ns) {
        LexicalIndex index = new LexicalIndex();
        for (int i = 0; i < TEXTS.size(); i++) index.upsert(ns, "m" + i, TEXTS.get(i), true);
        return index;
    }

    private static String[] ids(LexicalIndex.Hits h) {
        return Arrays.copyOf(h.ids, h.size());
    }

    @Test
    void ranksByBm25AndOnlyReturnsMemoriesSharingATerm() {
        try (LexicalIndex index = filled("ns")) {
            LexicalIndex.Hits hits = new LexicalIndex.Hits(10);
            assertEquals(1, index.search("ns", "When did she research adoption agencies?", 10, hits));
            assertEquals("m2", hits.ids[0]); // "research" and "researched" share the stem
            assertEquals(3, index.search("ns", "Caroline support group", 10, hits));
            assertEquals("m0", hits.ids[0]);
            assertTrue(hits.scores[0] > hits.scores[1] && hits.scores[1] >= hits.scores[2]);
            assertEquals(0, index.search("ns", "quantum chromodynamics", 10, hits));
            assertEquals(0, index.search("other", "adoption", 10, hits), "namespaces are separate");
        }
    }

    @Test
    void updatesAndDeletesAreSeenByTheNextSearch() {
        try (LexicalIndex index = filled("ns")) {
            LexicalIndex.Hits hits = new LexicalIndex.Hits(10);
            index.search("ns", "sunrise", 10, hits);
            assertArrayEquals(new String[] {"m1"}, ids(hits));
            index.upsert("ns", "m1", "Melanie: pottery class on Friday", false);
            assertEquals(0, index.search("ns", "sunrise", 10, hits));
            index.search("ns", "pottery", 10, hits);
            assertArrayEquals(new String[] {"m1"}, ids(hits));
            index.delete("ns", "m1", true);
            assertEquals(0, index.search("ns", "pottery", 10, hits));
            assertEquals(TEXTS.size() - 1, index.size("ns"));
        }
    }

    @Test
    void aRebuiltIndexScoresExactlyAsTheOneKeptInStep() {
        // The job rebuilds a namespace from state after a restore: the same memories give the same scores, whatever
        // other namespaces share the subtask. (Deleted and replaced texts count in BM25's statistics until Lucene
        // merges them away, so after deletes a rebuilt index can score slightly differently: README.)
        try (LexicalIndex kept = filled("ns"); LexicalIndex rebuilt = new LexicalIndex()) {
            kept.upsert("other", "x", "support group support group", true);
            kept.upsert("other", "y", "Caroline Caroline", true);
            for (int i = 0; i < TEXTS.size(); i++) rebuilt.upsert("ns", "m" + i, TEXTS.get(i), true);
            LexicalIndex.Hits a = new LexicalIndex.Hits(10);
            LexicalIndex.Hits b = new LexicalIndex.Hits(10);
            kept.search("ns", "Caroline support group", 10, a);
            rebuilt.search("ns", "Caroline support group", 10, b);
            assertArrayEquals(ids(b), ids(a));
            for (int i = 0; i < a.size(); i++) assertEquals(b.scores[i], a.scores[i], 1e-6f);
        }
    }

    @Test
    void withARefreshIntervalWritesAreFoundByTheirWordsOnceItPassed() {
        long[] now = {0};
        try (LexicalIndex index = new LexicalIndex(new org.apache.lucene.analysis.en.EnglishAnalyzer(), 1_000, () -> now[0])) {
            index.upsert("ns", "a", "sunrise over the lake", true);
            LexicalIndex.Hits hits = new LexicalIndex.Hits(10);
            assertEquals(1, index.search("ns", "sunrise", 10, hits), "the first search opens the searcher");
            index.upsert("ns", "b", "another sunrise", true);
            now[0] = 999;
            assertEquals(1, index.search("ns", "sunrise", 10, hits), "within the interval: the searcher of t=0");
            now[0] = 1_000;
            assertEquals(2, index.search("ns", "sunrise", 10, hits));
        }
    }

    @Test
    void aVeryLongQueryIsCutToItsFirstDistinctTerms() {
        try (LexicalIndex index = filled("ns")) {
            StringBuilder q = new StringBuilder("sunrise");
            for (int i = 0; i < 5000; i++) q.append(" word").append(i);
            LexicalIndex.Hits hits = new LexicalIndex.Hits(10);
            assertEquals(1, index.search("ns", q.toString(), 10, hits));
        }
    }
}
