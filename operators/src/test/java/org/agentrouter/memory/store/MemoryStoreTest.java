package org.agentrouter.memory.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.agentrouter.features.FeatureLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.TestMemories;
import org.agentrouter.memory.RetrievalFilter;
/** Against the real sqlite-vec extension: results are checked against brute-force cosine in Java. */
class MemoryStoreTest {
    private static final int DIM = FeatureLayout.EMBEDDING_DIM;
    private static final List<String> NAMESPACES = List.of("alpha", "beta", "gamma");
    private static final int MEMORIES = 2_000;

    @TempDir
    static Path sharedDir;
    private static List<MemoryRecord> corpus;
    private static Map<String, MemoryRecord> byId;
    private static MemoryStore shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildCorpus() {
        Random rnd = new Random(42);
        corpus = new ArrayList<>();
        for (int i = 0; i < MEMORIES; i++) {
            MemoryRecord r = record("m" + i, NAMESPACES.get(rnd.nextInt(NAMESPACES.size())), randomUnit(rnd));
            r.kind = MemoryKinds.ALL.get(rnd.nextInt(3));
            // One in five has unknown confidence: those must never pass a min-confidence filter.
            r.confidence = rnd.nextInt(5) == 0 ? Float.NaN : rnd.nextFloat();
            r.tags = i % 150 == 0 ? new String[] {"t" + (i % 3), "very rare"}
                    : rnd.nextInt(10) == 0 ? new String[] {"rare", "t" + (i % 3)} : new String[] {"t" + (i % 3)};
            corpus.add(r);
        }
        byId = new HashMap<>();
        corpus.forEach(r -> byId.put(r.id, r));
        shared = MemoryStore.openWritable(sharedDir.resolve("corpus.db"));
        // Several batches, as a feed would send them.
        for (int from = 0; from < MEMORIES; from += 500) {
            shared.upsert(corpus.subList(from, Math.min(MEMORIES, from + 500)));
        }
    }

    @AfterAll
    static void closeShared() {
        if (shared != null) {
            shared.close();
        }
    }

    @Test
    void topKEqualsBruteForceCosineInEveryNamespace() {
        Random rnd = new Random(7);
        CandidateSet out = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
        for (String ns : NAMESPACES) {
            for (int q = 0; q < 10; q++) {
                float[] query = randomUnit(rnd);
                for (int k : new int[] {1, 10, 100, 128}) {
                    int n = shared.topK(ns, query, k, null, out);
                    assertMatchesBruteForce(query, k, r -> r.namespace.equals(ns), out, n);
                }
            }
        }
    }

    @Test
    void topKFillsStructuralFieldsFromTheStoredRecord() {
        CandidateSet out = new CandidateSet(50);
        MemoryRecord target = corpus.get(123);
        int n = shared.topK(target.namespace, target.embedding, 50, RetrievalFilter.NONE, out);
        assertEquals(50, n);
        assertEquals(target.id, out.ids[0]);
        assertEquals(1f, out.similarity[0], 1e-5f);
        for (int i = 0; i < n; i++) {
            MemoryRecord r = byId.get(out.ids[i]);
            assertEquals(r.kind, out.kind[i]);
            assertEquals(r.confidence, out.confidence[i], 0f);
            assertTrue(Float.isNaN(out.successRate[i]));
            assertArrayEquals(r.tags, out.tags[i]);
            assertEquals(r.createdAtMs, out.createdAtMs[i]);
        }
    }

    @Test
    void namespacesAreIsolated() {
        CandidateSet out = new CandidateSet(100);
        MemoryRecord inBeta = corpus.stream().filter(r -> r.namespace.equals("beta")).findFirst().orElseThrow();
        int n = shared.topK("alpha", inBeta.embedding, 100, null, out);
        assertEquals(100, n);
        for (int i = 0; i < n; i++) {
            assertEquals("alpha", byId.get(out.ids[i]).namespace);
            assertFalse(out.ids[i].equals(inBeta.id));
        }
        assertEquals(0, shared.topK("no-such-namespace", inBeta.embedding, 10, null, out));
        assertEquals(0, out.size());
    }

    @Test
    void kindAndMinConfidenceFilterInsideTheScan() {
        Random rnd = new Random(11);
        CandidateSet out = new CandidateSet(100);
        for (int q = 0; q < 5; q++) {
            float[] query = randomUnit(rnd);
            int n = shared.topK("gamma", query, 100, RetrievalFilter.ofKind("skill"), out);
            assertMatchesBruteForce(query, 100, r -> r.namespace.equals("gamma") && r.kind.equals("skill"), out, n);

            n = shared.topK("gamma", query, 100, RetrievalFilter.NONE.withMinConfidence(0.6f), out);
            assertMatchesBruteForce(query, 100, r -> r.namespace.equals("gamma") && r.confidence >= 0.6f, out, n);

            n = shared.topK("gamma", query, 100, new RetrievalFilter("episode", 0.3f, null), out);
            assertMatchesBruteForce(query, 100,
                    r -> r.namespace.equals("gamma") && r.kind.equals("episode") && r.confidence >= 0.3f, out, n);
        }
        // A filter that leaves few rows still returns all of them: the filter is not applied after a cut at k.
        long episodes = corpus.stream().filter(r -> r.namespace.equals("alpha") && r.kind.equals("episode")
                && r.confidence >= 0.95f).count();
        assertTrue(episodes > 0 && episodes < 100, "fixture has " + episodes);
        assertEquals(episodes, shared.topK("alpha", corpus.get(0).embedding, 100,
                new RetrievalFilter("episode", 0.95f, null), out));
    }

    @Test
    void unknownConfidencePassesNoMinimum() {
        CandidateSet out = new CandidateSet(1000);
        MemoryRecord unknown = corpus.stream().filter(r -> Float.isNaN(r.confidence)).findFirst().orElseThrow();
        int n = shared.topK(unknown.namespace, unknown.embedding, 1000, RetrievalFilter.NONE.withMinConfidence(0f), out);
        for (int i = 0; i < n; i++) {
            assertFalse(Float.isNaN(out.confidence[i]), out.ids[i]);
        }
        assertEquals(corpus.stream().filter(r -> r.namespace.equals(unknown.namespace) && !Float.isNaN(r.confidence)).count(), n);
    }

    @Test
    void tagFilterOverFetchesAndEscalates() {
        Random rnd = new Random(13);
        CandidateSet out = new CandidateSet(100);
        for (String tag : new String[] {"t1", "rare", "very rare", "absent"}) {
            float[] query = randomUnit(rnd);
            int n = shared.topK("beta", query, 100, RetrievalFilter.NONE.withTag(tag), out);
            assertMatchesBruteForce(query, 100,
                    r -> r.namespace.equals("beta") && Arrays.asList(r.tags).contains(tag), out, n);
        }
    }

    @Test
    void upsertReplacesTheRowAndItsVector() {
        try (MemoryStore store = MemoryStore.openWritable(dir.resolve("s.db"))) {
            Random rnd = new Random(3);
            float[] first = randomUnit(rnd);
            float[] second = randomUnit(rnd);
            MemoryRecord other = record("other", "a", randomUnit(rnd));
            store.upsert(List.of(record("x", "a", first), other));

            MemoryRecord moved = record("x", "b", second);
            moved.kind = "pattern";
            moved.text = "replaced";
            store.upsert(List.of(moved));

            assertEquals(2, store.count());
            CandidateSet out = new CandidateSet(10);
            assertEquals(1, store.topK("a", first, 10, null, out));
            assertEquals("other", out.ids[0]);
            assertEquals(1, store.topK("b", second, 10, null, out));
            assertEquals("x", out.ids[0]);
            assertEquals(1f, out.similarity[0], 1e-5f);
            assertEquals("pattern", out.kind[0]);
            assertEquals("replaced", store.get("x").text);
            assertEquals(Map.of("a", Map.of("episode", 1L), "b", Map.of("pattern", 1L)), store.countsByNamespaceAndKind());
        }
    }

    @Test
    void fieldsRoundTrip() {
        MemoryRecord r = record("full", "ns", randomUnit(new Random(5)));
        r.kind = "skill";
        r.text = "use a window function — ünïcode too";
        r.sessionId = "s-1";
        r.createdAtMs = 1_700_000_000_123L;
        r.lastUsedAtMs = 1_700_000_100_000L;
        r.useCount = 17;
        r.successRate = 0.75f;
        r.reward = -2.5f;
        r.confidence = 0.9f;
        r.cheapOutcome = 0.25f;
        r.strongOutcome = 1f;
        r.tags = new String[] {"sql", "with,comma", "quote\"d"};
        r.sourceId = "agentdb:skills/42";
        MemoryRecord sparse = record("sparse", "ns", randomUnit(new Random(6)));

        Path file = dir.resolve("rt.db");
        try (MemoryStore store = MemoryStore.openWritable(file)) {
            store.upsert(List.of(r, sparse));
        }
        try (MemoryStore store = MemoryStore.openReadOnly(file)) {
            MemoryRecord back = store.get("full");
            assertEquals(r.id, back.id);
            assertEquals(r.namespace, back.namespace);
            assertEquals(r.kind, back.kind);
            assertEquals(r.text, back.text);
            assertEquals(r.sessionId, back.sessionId);
            assertEquals(r.createdAtMs, back.createdAtMs);
            assertEquals(r.lastUsedAtMs, back.lastUsedAtMs);
            assertEquals(r.useCount, back.useCount);
            assertEquals(r.successRate, back.successRate);
            assertEquals(r.reward, back.reward);
            assertEquals(r.confidence, back.confidence);
            assertEquals(r.cheapOutcome, back.cheapOutcome);
            assertEquals(r.strongOutcome, back.strongOutcome);
            assertArrayEquals(r.tags, back.tags);
            assertEquals(r.sourceId, back.sourceId);
            assertArrayEquals(r.embedding, back.embedding);

            MemoryRecord none = store.get("sparse");
            assertNull(none.sessionId);
            assertNull(none.sourceId);
            assertTrue(Float.isNaN(none.successRate) && Float.isNaN(none.reward) && Float.isNaN(none.confidence)
                    && Float.isNaN(none.cheapOutcome) && Float.isNaN(none.strongOutcome));
            assertEquals(0, none.tags.length);
            assertNull(store.get("absent"));

            CandidateSet out = new CandidateSet(2);
            assertEquals(2, store.topK("ns", r.embedding, 2, null, out));
            assertEquals("full", out.ids[0]);
            assertEquals("s-1", out.sessionId[0]);
            assertEquals(1_700_000_100_000L, out.lastUsedAtMs[0]);
            assertEquals(17, out.useCount[0]);
            assertEquals(0.75f, out.successRate[0]);
            assertEquals(0.9f, out.confidence[0]);
            assertEquals(0.25f, out.cheapOutcome[0]);
            assertEquals(1f, out.strongOutcome[0]);
            assertArrayEquals(r.tags, out.tags[0]);
            assertTrue(Float.isNaN(out.confidence[1]));
            assertEquals(0, out.tags[1].length);
        }
    }

    @Test
    void recordUseCountsAndKeepsARunningMean() {
        try (MemoryStore store = MemoryStore.openWritable(dir.resolve("use.db"))) {
            store.upsert(List.of(record("u", "ns", randomUnit(new Random(8)))));
            assertTrue(store.recordUse("u", 1000L, null));
            MemoryRecord r = store.get("u");
            assertEquals(1, r.useCount);
            assertEquals(1000L, r.lastUsedAtMs);
            assertTrue(Float.isNaN(r.successRate), "no outcome given: rate stays unknown");

            assertTrue(store.recordUse("u", 2000L, 1f));
            assertEquals(1f, store.get("u").successRate, 1e-6f);
            assertTrue(store.recordUse("u", 3000L, 0f));
            r = store.get("u");
            assertEquals(3, r.useCount);
            assertEquals(3000L, r.lastUsedAtMs);
            assertEquals(2f / 3f, r.successRate, 1e-6f);

            assertFalse(store.recordUse("ghost", 1L, 1f));
            assertThrows(IllegalArgumentException.class, () -> store.recordUse("u", 1L, 1.5f));
        }
    }

    @Test
    void readOnlyOpenOfAMissingFileNamesIt() {
        Path missing = dir.resolve("absent/memories.db");
        MemoryStoreException e = assertThrows(MemoryStoreException.class, () -> MemoryStore.openReadOnly(missing));
        assertTrue(e.getMessage().contains(missing.toAbsolutePath().toString()), e.getMessage());
        assertFalse(Files.exists(missing));
    }

    @Test
    void readOnlyOpenOfAFileThatIsNotAStoreNamesIt() throws Exception {
        Path junk = Files.writeString(dir.resolve("junk.db"), "not a database ".repeat(40));
        MemoryStoreException e = assertThrows(MemoryStoreException.class, () -> MemoryStore.openReadOnly(junk));
        assertTrue(e.getMessage().contains("not a memory store") && e.getMessage().contains(junk.toString()),
                e.getMessage());

        Path foreign = dir.resolve("agent.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + foreign);
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE episodes(id INTEGER PRIMARY KEY, task TEXT)");
        }
        e = assertThrows(MemoryStoreException.class, () -> MemoryStore.openReadOnly(foreign));
        assertTrue(e.getMessage().contains("not a memory store") && e.getMessage().contains(foreign.toString()),
                e.getMessage());
        e = assertThrows(MemoryStoreException.class, () -> MemoryStore.openWritable(foreign));
        assertTrue(e.getMessage().contains(foreign.toString()), "never writes into someone else's database");
    }

    @Test
    void originsByIdPrefixAndADeleteThatCommitsWithItsUpserts() {
        Path file = dir.resolve("prefix.db");
        Random rnd = new Random(11);
        try (MemoryStore store = MemoryStore.openWritable(file)) {
            List<MemoryRecord> records = new ArrayList<>();
            for (String id : List.of("agentdb:a:episode:1", "agentdb:a:skill:2", "agentdb:a;x", "agentdb:a2:episode:1",
                    "agentdb:a", "agentdb:ab:episode:1", "fb-q")) {
                MemoryRecord r = record(id, "ns", randomUnit(rnd));
                r.sourceId = "src-" + id;
                records.add(r);
            }
            store.upsert(records);
            assertEquals(List.of(new MemoryStore.Origin("agentdb:a:episode:1", "ns", "episode", "src-agentdb:a:episode:1"),
                    new MemoryStore.Origin("agentdb:a:skill:2", "ns", "episode", "src-agentdb:a:skill:2")),
                    store.originsWithIdPrefix("agentdb:a:"));

            MemoryRecord added = record("new", "ns", randomUnit(rnd));
            assertEquals(1, store.write(List.of(added), List.of("agentdb:a:episode:1", "absent"), n -> { }));
            assertNull(store.get("agentdb:a:episode:1"));
            assertEquals(7, store.count());
            CandidateSet out = new CandidateSet(10);
            assertEquals(7, store.topK("ns", added.embedding, 10, null, out), "the vector index lost the row too");
            assertEquals("new", out.ids[0]);

            MemoryRecord bad = record("bad", "ns", new float[3]);
            assertThrows(IllegalArgumentException.class, () -> store.write(List.of(bad), List.of("fb-q"), n -> { }));
            assertTrue(store.get("fb-q") != null, "a refused batch deletes nothing");
        }
    }

    @Test
    void readOnlyStoreSearchesButRefusesWrites() {
        Path file = dir.resolve("ro.db");
        float[] v = randomUnit(new Random(9));
        try (MemoryStore store = MemoryStore.openWritable(file)) {
            store.upsert(List.of(record("r", "ns", v)));
        }
        try (MemoryStore store = MemoryStore.openReadOnly(file)) {
            assertTrue(store.isReadOnly());
            assertEquals(1, store.topK("ns", v, 5, null, new CandidateSet(5)));
            assertThrows(IllegalStateException.class, () -> store.upsert(List.of(record("s", "ns", v))));
            assertThrows(IllegalStateException.class, () -> store.recordUse("r", 1L, null));
        }
    }

    @Test
    void readerSeesWhatAWriterCommitsWhileBothAreOpen() {
        Path file = dir.resolve("shared.db");
        Random rnd = new Random(10);
        float[] v = randomUnit(rnd);
        try (MemoryStore writer = MemoryStore.openWritable(file)) {
            writer.upsert(List.of(record("first", "ns", randomUnit(rnd))));
            try (MemoryStore reader = MemoryStore.openReadOnly(file)) {
                CandidateSet out = new CandidateSet(5);
                assertEquals(1, reader.topK("ns", v, 5, null, out));
                writer.upsert(List.of(record("second", "ns", v)));
                assertEquals(2, reader.topK("ns", v, 5, null, out));
                assertEquals("second", out.ids[0]);
            }
        }
    }

    @Test
    void invalidRecordsAreRejectedBeforeAnythingIsWritten() {
        try (MemoryStore store = MemoryStore.openWritable(dir.resolve("bad.db"))) {
            MemoryRecord good = record("good", "ns", randomUnit(new Random(1)));

            MemoryRecord shortVector = record("short", "ns", new float[DIM - 1]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> store.upsert(List.of(good, shortVector)));
            assertTrue(e.getMessage().contains("short") && e.getMessage().contains("383"), e.getMessage());

            float[] withNaN = randomUnit(new Random(2));
            withNaN[17] = Float.NaN;
            e = assertThrows(IllegalArgumentException.class,
                    () -> store.upsert(List.of(good, record("nan", "ns", withNaN))));
            assertTrue(e.getMessage().contains("nan") && e.getMessage().contains("index 17"), e.getMessage());

            assertThrows(IllegalArgumentException.class, () -> store.upsert(List.of(record("zero", "ns", new float[DIM]))));
            MemoryRecord badKind = record("k", "ns", randomUnit(new Random(3)));
            badKind.kind = "fact";
            assertThrows(IllegalArgumentException.class, () -> store.upsert(List.of(badKind)));
            MemoryRecord badConfidence = record("c", "ns", randomUnit(new Random(4)));
            badConfidence.confidence = 1.5f;
            assertThrows(IllegalArgumentException.class, () -> store.upsert(List.of(badConfidence)));

            assertEquals(0, store.count(), "a rejected batch writes nothing");

            CandidateSet out = new CandidateSet(10);
            float[] nanQuery = randomUnit(new Random(5));
            nanQuery[0] = Float.POSITIVE_INFINITY;
            assertThrows(IllegalArgumentException.class, () -> store.topK("ns", nanQuery, 5, null, out));
            assertThrows(IllegalArgumentException.class, () -> store.topK("ns", new float[DIM + 1], 5, null, out));
            assertThrows(IllegalArgumentException.class, () -> store.topK("ns", good.embedding, 11, null, out));
            assertThrows(IllegalArgumentException.class, () -> store.topK("ns", good.embedding, 0, null, out));
            assertThrows(IllegalArgumentException.class, () -> RetrievalFilter.ofKind("facts"));
        }
    }

    @Test
    void countsAndMetadataSurviveReopening() {
        Path file = dir.resolve("reopen.db");
        try (MemoryStore store = MemoryStore.openWritable(file)) {
            store.upsert(corpus.subList(0, 300));
        }
        try (MemoryStore store = MemoryStore.openWritable(file)) {
            assertEquals(300, store.count());
            Map<String, Map<String, Long>> counts = store.countsByNamespaceAndKind();
            Map<String, Map<String, Long>> expected = new HashMap<>();
            for (MemoryRecord r : corpus.subList(0, 300)) {
                expected.computeIfAbsent(r.namespace, x -> new HashMap<>()).merge(r.kind, 1L, Long::sum);
            }
            assertEquals(expected, counts);
            assertEquals(List.copyOf(counts.keySet()), counts.keySet().stream().sorted().toList());
        }
    }

    // ---- helpers ----

    /**
     * Compares a search result with a brute-force cosine ranking of the matching corpus, computed in
     * double precision. sqlite-vec computes in float32, so two memories whose exact similarities differ
     * by less than {@link #FLOAT32_TIE} may come out in either order; anything else must match rank for rank.
     */
    private static void assertMatchesBruteForce(float[] query, int k, Predicate<MemoryRecord> match, CandidateSet out, int n) {
        record Scored(String id, double sim) {}
        List<Scored> expected = corpus.stream().filter(match)
                .map(r -> new Scored(r.id, cosine(query, r.embedding)))
                .sorted(Comparator.comparingDouble(Scored::sim).reversed())
                .limit(k).toList();
        assertEquals(expected.size(), n, "row count");
        assertEquals(n, out.size());
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Scored want = expected.get(i);
            assertEquals(want.sim(), out.similarity[i], 1e-5, "similarity at rank " + i);
            MemoryRecord got = byId.get(out.ids[i]);
            assertTrue(match.test(got), out.ids[i] + " does not pass the filter");
            assertTrue(seen.add(got.id), "duplicate " + got.id);
            if (!want.id().equals(got.id)) {
                double gotExact = cosine(query, got.embedding);
                assertEquals(want.sim(), gotExact, FLOAT32_TIE,
                        "rank " + i + ": expected " + want.id() + ", got " + got.id + ", not a float32 tie");
            }
        }
    }

    private static final double FLOAT32_TIE = 1e-6;

    private static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    static float[] randomUnit(Random rnd) {
        return TestMemories.randomUnit(rnd);
    }

    static MemoryRecord record(String id, String namespace, float[] embedding) {
        return TestMemories.record(id, namespace, embedding);
    }
}
