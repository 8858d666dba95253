package org.agentrouter.memory.store;

import org.agentrouter.memory.index.ShortlistHeap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.kernels.Int8Dot;
import org.agentrouter.memory.kernels.ScalarInt8Dot;
/** The int8 index against exact vec0 search on the same real sqlite-vec store. */
class QuantizedIndexTest {
    private static final int DIM = FeatureLayout.EMBEDDING_DIM;
    private static final List<String> NAMESPACES = List.of("alpha", "beta", "gamma");
    private static final int MEMORIES = 6_000;
    private static final int QUERIES = 25;

    @TempDir
    static Path sharedDir;
    private static Path file;
    private static MemoryStore exact;
    private static MemoryStore reader;

    @TempDir
    Path dir;

    @BeforeAll
    static void buildStore() {
        Random rnd = new Random(11);
        List<MemoryRecord> corpus = new ArrayList<>();
        for (int i = 0; i < MEMORIES; i++) {
            MemoryRecord r = MemoryStoreTest.record("m" + i, NAMESPACES.get(rnd.nextInt(NAMESPACES.size())),
                    MemoryStoreTest.randomUnit(rnd));
            r.kind = MemoryKinds.ALL.get(rnd.nextInt(3));
            r.confidence = rnd.nextInt(5) == 0 ? Float.NaN : rnd.nextFloat();
            r.tags = rnd.nextInt(20) == 0 ? new String[] {"rare", "t" + (i % 3)} : new String[] {"t" + (i % 3)};
            corpus.add(r);
        }
        file = sharedDir.resolve("corpus.db");
        exact = MemoryStore.openWritable(file);
        exact.upsert(corpus);
        reader = MemoryStore.openReadOnly(file);
    }

    @AfterAll
    static void close() {
        if (reader != null) reader.close();
        if (exact != null) exact.close();
    }

    private static final RetrievalFilter[] FILTERS = {
        RetrievalFilter.NONE,
        RetrievalFilter.ofKind("skill"),
        RetrievalFilter.NONE.withMinConfidence(0.6f),
        new RetrievalFilter("episode", 0.3f, null),
        RetrievalFilter.NONE.withTag("t1"),
        // ~1 in 20 memories: exact search over-fetches and may come up short; the index filters in the scan.
        RetrievalFilter.NONE.withTag("rare"),
    };

    @Test
    void sameTopKAsExactSearchInEveryNamespaceAndUnderEveryFilter() {
        QuantizedIndex index = QuantizedIndex.over(reader, QuantizedIndex.Settings.DEFAULT);
        assertSameAsExact(index);
        assertTrue(index.loadedMemories() > 0 && index.loadedMemories() <= MEMORIES);
    }

    @Test
    void floatsInMemoryGiveTheSameResults() {
        QuantizedIndex index = QuantizedIndex.over(reader, new QuantizedIndex.Settings(2, 1_000, true));
        assertSameAsExact(index);
        assertTrue(index.heapBytes() >= index.loadedMemories() * (QuantizedIndex.bytesPerMemory() + 4L * DIM));
    }

    @Test
    void scalarKernelGivesTheSameResults() {
        QuantizedIndex index = QuantizedIndex.withScalarKernel(reader, QuantizedIndex.Settings.DEFAULT);
        assertEquals("scalar", index.kernelName());
        assertSameAsExact(index);
    }

    @Test
    void vectorApiKernelIsUsedWhenTheModuleIsPresentAndAgreesWithTheScalarOne() {
        // surefire's argLine adds the module; without it this build would silently test the fallback twice.
        assertTrue(Int8Dot.vectorApiPresent(), "run with --add-modules jdk.incubator.vector");
        Int8Dot vector = Int8Dot.best();
        assertEquals("vector-api", vector.name());
        Int8Dot scalar = new ScalarInt8Dot();
        Random rnd = new Random(3);
        for (int dim : new int[] {DIM, 16, 17, 5, 1000}) {
            byte[] data = new byte[3 * dim + 7];
            rnd.nextBytes(data);
            int[] q = new int[dim];
            for (int i = 0; i < dim; i++) q[i] = rnd.nextInt(255) - 127;
            for (int offset : new int[] {0, 3, 2 * dim + 7}) {
                assertEquals(scalar.dot(data, offset, q, dim), vector.dot(data, offset, q, dim), "dim " + dim);
            }
        }
    }

    @Test
    void newMemoriesBecomeVisibleOnRefresh() {
        Path f = dir.resolve("fresh.db");
        Random rnd = new Random(5);
        try (MemoryStore writer = MemoryStore.openWritable(f)) {
            writer.upsert(List.of(MemoryStoreTest.record("old", "ns", MemoryStoreTest.randomUnit(rnd))));
            try (MemoryStore ro = MemoryStore.openReadOnly(f)) {
                QuantizedIndex lazy = QuantizedIndex.over(ro, new QuantizedIndex.Settings(4, 3_600_000, false));
                QuantizedIndex eager = QuantizedIndex.over(ro, new QuantizedIndex.Settings(4, 0, true));
                float[] v = MemoryStoreTest.randomUnit(rnd);
                CandidateSet out = new CandidateSet(10);
                assertEquals(1, lazy.topK("ns", v, 5, null, out));
                assertEquals(1, eager.topK("ns", v, 5, null, out));
                assertEquals(0, eager.topK("other", v, 5, null, out));

                writer.upsert(List.of(MemoryStoreTest.record("new", "ns", v),
                        MemoryStoreTest.record("elsewhere", "other", v)));
                assertEquals(2, eager.topK("ns", v, 5, null, out));
                assertEquals("new", out.ids[0]);
                assertEquals(1f, out.similarity[0], 1e-5);
                assertEquals(1, eager.topK("other", v, 5, null, out));
                // Within the refresh interval the index may be stale by design ...
                assertEquals(1, lazy.topK("ns", v, 5, null, out));
                // ... until it refreshes.
                assertEquals(1, lazy.refresh());
                assertEquals(2, lazy.topK("ns", v, 5, null, out));
                assertEquals("new", out.ids[0]);
            }
        }
    }

    @Test
    void reUpsertIntoAnotherNamespaceNeverLeaksTheRowIntoItsOldNamespace() {
        Path f = dir.resolve("moved.db");
        Random rnd = new Random(6);
        try (MemoryStore writer = MemoryStore.openWritable(f)) {
            MemoryRecord r = MemoryStoreTest.record("m", "a", MemoryStoreTest.randomUnit(rnd));
            writer.upsert(List.of(r, MemoryStoreTest.record("n", "a", MemoryStoreTest.randomUnit(rnd))));
            QuantizedIndex index = QuantizedIndex.over(writer, new QuantizedIndex.Settings(4, 0, true));
            CandidateSet out = new CandidateSet(10);
            assertEquals(2, index.topK("a", r.embedding, 5, null, out));
            r.namespace = "b";
            writer.upsert(List.of(r));
            // Same rowid, so the int8 copy of "a" still holds it; rescoring reads the current row and drops it.
            assertEquals(1, index.topK("a", r.embedding, 5, null, out));
            assertEquals("n", out.ids[0]);
        }
    }

    @Test
    void rejectsWhatExactSearchRejects() {
        QuantizedIndex index = QuantizedIndex.over(reader, QuantizedIndex.Settings.DEFAULT);
        CandidateSet out = new CandidateSet(10);
        float[] nan = new float[DIM];
        nan[0] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> index.topK("alpha", nan, 5, null, out));
        assertThrows(IllegalArgumentException.class, () -> index.topK("alpha", new float[DIM + 1], 5, null, out));
        assertThrows(IllegalArgumentException.class, () -> index.topK("alpha", new float[DIM], 5, null, out));
        assertThrows(IllegalArgumentException.class, () -> index.topK(null, MemoryStoreTest.randomUnit(new Random()), 5, null, out));
        assertThrows(IllegalArgumentException.class, () -> index.topK("alpha", MemoryStoreTest.randomUnit(new Random()), 11, null, out));
        assertEquals(0, index.topK("no-such-namespace", MemoryStoreTest.randomUnit(new Random()), 5, null, out));
    }

    @Test
    void shortlistHeapKeepsTheBestRows() {
        ShortlistHeap heap = new ShortlistHeap(8);
        heap.reset(5);
        float[] scores = {3, 9, 1, 7, 5, 8, 2, 6, 4, 0};
        for (int i = 0; i < scores.length; i++) heap.offer(scores[i], i);
        List<Float> kept = new ArrayList<>();
        for (int i = 0; i < heap.size(); i++) kept.add(scores[heap.row(i)]);
        kept.sort(null);
        assertEquals(List.of(5f, 6f, 7f, 8f, 9f), kept);
        heap.reset(0);
        heap.offer(1, 0);
        assertEquals(0, heap.size());
    }

    private static void assertSameAsExact(QuantizedIndex index) {
        Random rnd = new Random(99);
        CandidateSet want = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
        CandidateSet got = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
        for (int q = 0; q < QUERIES; q++) {
            float[] query = MemoryStoreTest.randomUnit(rnd);
            String ns = NAMESPACES.get(q % NAMESPACES.size());
            for (RetrievalFilter f : FILTERS) {
                int k = q % 2 == 0 ? 100 : 10;
                int n = index.topK(ns, query, k, f, got);
                int e = exact.topK(ns, query, k, f, want);
                String what = ns + " " + f + " query " + q;
                if (f.hasTag()) {
                    // Exact search may return fewer rows for a tag (it filters after an over-fetch); its rows
                    // must still be the head of ours.
                    assertTrue(n >= e, what);
                } else {
                    assertEquals(e, n, what);
                }
                assertFalse(n == 0, what);
                for (int i = 0; i < e; i++) {
                    // Same rank for rank (ids may differ only where float32 similarities tie).
                    assertEquals(want.similarity[i], got.similarity[i], 1e-6, what + " rank " + i);
                    assertEquals(want.kind[i] == null, got.kind[i] == null);
                }
                for (int i = 0; i < n; i++) {
                    if (f.hasKind()) assertEquals(f.kind(), got.kind[i], what);
                    if (f.hasMinConfidence()) assertTrue(got.confidence[i] >= f.minConfidence(), what);
                    if (f.hasTag()) assertTrue(TagsJson.contains(got.tags[i], f.tag()), what);
                    if (i > 0) assertTrue(got.similarity[i] <= got.similarity[i - 1], what + " order");
                }
            }
        }
    }
}
