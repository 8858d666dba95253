package org.agentrouter.memory.index;

import org.agentrouter.memory.kernels.Int8Codes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.agentrouter.features.FeatureLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.kernels.Int2Codes;
import org.agentrouter.memory.kernels.Int2Dot;
import org.agentrouter.memory.kernels.Int4Codes;
import org.agentrouter.memory.kernels.Int4Dot;
import org.agentrouter.memory.kernels.Int8Dot;
import org.agentrouter.memory.kernels.ScalarInt8Dot;
import org.agentrouter.wire.Embeddings;
import org.agentrouter.memory.store.MemoryStore;
import org.agentrouter.memory.TestMemories;
import org.agentrouter.memory.store.TagsJson;
import org.agentrouter.memory.store.QuantizedNamespace;
/**
 * The index the job searches, against exact vec0 search in a real sqlite-vec store holding the same
 * memories, after inserts, in-place updates and deletes (which move rows), under every filter.
 */
class LiveMemoryIndexTest {
    private static final List<String> NAMESPACES = List.of("alpha", "beta");
    private static final RetrievalFilter[] FILTERS = {
        RetrievalFilter.NONE,
        RetrievalFilter.ofKind("skill"),
        RetrievalFilter.NONE.withMinConfidence(0.6f),
        new RetrievalFilter("episode", 0.3f, null),
        RetrievalFilter.NONE.withTag("t1"),
        RetrievalFilter.NONE.withTag("rare"),
    };

    @TempDir
    Path dir;

    private static MemoryRecord random(String id, Random rnd) {
        MemoryRecord r = TestMemories.record(id, NAMESPACES.get(rnd.nextInt(NAMESPACES.size())), TestMemories.randomUnit(rnd));
        r.kind = MemoryKinds.ALL.get(rnd.nextInt(3));
        r.confidence = rnd.nextInt(5) == 0 ? Float.NaN : rnd.nextFloat();
        r.useCount = rnd.nextInt(9);
        r.tags = rnd.nextInt(20) == 0 ? new String[] {"rare", "t" + rnd.nextInt(3)} : new String[] {"t" + rnd.nextInt(3)};
        return r;
    }

    @Test
    void sameTopKAsExactSearchAfterUpdatesAndDeletes() {
        for (LiveMemoryIndex.FirstPass pass : LiveMemoryIndex.FirstPass.values()) {
            sameTopKAsExactSearchAfterUpdatesAndDeletes(new LiveMemoryIndex(IndexSettings.of(4).firstPass(pass)), pass.name());
        }
        assertEquals(LiveMemoryIndex.FirstPass.INT4, new LiveMemoryIndex(IndexSettings.of(4)).firstPass());
    }

    private void sameTopKAsExactSearchAfterUpdatesAndDeletes(LiveMemoryIndex index, String pass) {
        Random rnd = new Random(5);
        List<MemoryRecord> all = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) all.add(random("m" + i, rnd));
        try (MemoryStore exact = MemoryStore.openWritable(dir.resolve(pass + "-exact.db"))) {
            exact.upsert(all);
            all.forEach(index::upsert);
            // Updates in place (same namespace, new vector, kind, tags) and deletes.
            List<MemoryRecord> changed = new ArrayList<>();
            for (int i = 0; i < 3_000; i += 7) {
                MemoryRecord r = random("m" + i, rnd);
                r.namespace = all.get(i).namespace;
                changed.add(r);
                all.set(i, r);
            }
            exact.upsert(changed);
            changed.forEach(index::upsert);
        }
        List<MemoryRecord> kept = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (i % 5 == 0) {
                assertTrue(index.delete(all.get(i).namespace, all.get(i).id));
                assertFalse(index.delete(all.get(i).namespace, all.get(i).id));
            } else {
                kept.add(all.get(i));
            }
        }
        assertEquals(kept.size(), index.size());
        try (MemoryStore exact = MemoryStore.openWritable(dir.resolve(pass + "-kept.db"))) {
            exact.upsert(kept);
            CandidateSet want = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
            CandidateSet got = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
            for (int q = 0; q < 20; q++) {
                float[] query = TestMemories.randomUnit(rnd);
                String ns = NAMESPACES.get(q % 2);
                for (RetrievalFilter f : FILTERS) {
                    int k = q % 2 == 0 ? 100 : 10;
                    int n = index.topK(ns, query, k, f, got);
                    int e = exact.topK(ns, query, k, f, want);
                    String what = pass + " " + ns + " " + f + " query " + q;
                    if (f.hasTag()) assertTrue(n >= e, what);
                    else assertEquals(e, n, what);
                    assertFalse(n == 0, what);
                    for (int i = 0; i < e; i++) {
                        assertEquals(want.similarity[i], got.similarity[i], 1e-6, what + " rank " + i);
                    }
                    for (int i = 0; i < n; i++) {
                        if (f.hasKind()) assertEquals(f.kind(), got.kind[i], what);
                        if (f.hasMinConfidence()) assertTrue(got.confidence[i] >= f.minConfidence(), what);
                        if (f.hasTag()) assertTrue(TagsJson.contains(got.tags[i], f.tag()), what);
                        MemoryRecord r = index.get(ns, got.ids[i]);
                        assertEquals(r.useCount, got.useCount[i], "fields come from the record");
                    }
                }
            }
        }
    }

    /**
     * The scan over blocks of rows keeps exactly the rows a per-row int8 scan keeps: with a shortlist of k
     * (factor 1) the returned ids are the k best int8 scores, computed here without the index. Sizes that
     * are not multiples of the block or of 4 exercise the partial blocks.
     */
    @Test
    void blockScanKeepsTheRowsWithTheBestInt8Scores() {
        int dim = Embeddings.DIM;
        for (int size : new int[] {LiveMemoryIndex.SCAN_BLOCK_ROWS * 3 + 5, 97, 3}) {
            for (Int8Dot kernel : new Int8Dot[] {Int8Dot.best(), new ScalarInt8Dot()}) {
                Random rnd = new Random(size);
                LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(1).kernel(kernel));
                List<MemoryRecord> all = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    MemoryRecord r = TestMemories.record("m" + i, "ns", TestMemories.randomUnit(rnd));
                    all.add(r);
                    index.upsert(r);
                }
                float[] query = TestMemories.randomUnit(rnd);
                byte[] q = new byte[dim];
                Int8Codes.quantize(query, q, 0, dim, new float[1], 0);
                byte[] codes = new byte[dim];
                float[] scale = new float[1];
                Integer[] order = new Integer[size];
                float[] score = new float[size];
                for (int i = 0; i < size; i++) {
                    Int8Codes.quantize(all.get(i).embedding, codes, 0, dim, scale, 0);
                    int dot = 0;
                    for (int d = 0; d < dim; d++) dot += codes[d] * q[d];
                    score[i] = dot * scale[0];
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> Float.compare(score[b], score[a]));
                int k = Math.min(100, size);
                Set<String> want = new HashSet<>();
                for (int i = 0; i < k; i++) want.add(all.get(order[i]).id);
                CandidateSet got = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
                assertEquals(k, index.topK("ns", query, k, RetrievalFilter.NONE, got));
                Set<String> gotIds = new HashSet<>(Arrays.asList(got.ids).subList(0, k));
                assertEquals(want, gotIds, kernel.name() + " size " + size);
            }
        }
    }

    /**
     * The same for the 4-bit first pass, unfiltered (blocks of rows) and filtered (batches of passing rows):
     * with factor 1 the returned ids are the k best 4-bit scores among the rows that pass, computed here from
     * {@link Int4Codes#level} and the scale over the vector's norm (the pass ranks by cosine), without the index.
     */
    @Test
    void int4ScanKeepsTheRowsWithTheBestInt4Scores() {
        int dim = Embeddings.DIM;
        for (int size : new int[] {LiveMemoryIndex.SCAN_BLOCK_ROWS * 3 + 5, 97, 3}) {
            for (Int4Dot kernel : new Int4Dot[] {Int4Dot.best(), Int4Dot.javaBest(), Int4Dot.scalar()}) {
                for (RetrievalFilter f : new RetrievalFilter[] {RetrievalFilter.NONE, RetrievalFilter.NONE.withTag("t1")}) {
                    Random rnd = new Random(size);
                    LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(1).kernel(kernel));
                    List<MemoryRecord> all = new ArrayList<>();
                    for (int i = 0; i < size; i++) {
                        MemoryRecord r = TestMemories.record("m" + i, "ns", TestMemories.randomUnit(rnd));
                        r.tags = new String[] {"t" + rnd.nextInt(3)};
                        all.add(r);
                        index.upsert(r);
                    }
                    float[] query = TestMemories.randomUnit(rnd);
                    byte[] q = new byte[dim];
                    Int8Codes.quantize(query, q, 0, dim, new float[1], 0);
                    byte[] codes = new byte[Int4Codes.rowBytes(dim)];
                    List<Integer> order = new ArrayList<>();
                    float[] score = new float[size];
                    for (int i = 0; i < size; i++) {
                        float scale = Int4Codes.quantize(all.get(i).embedding, codes, 0, dim) / LiveMemoryIndex.norm(all.get(i).embedding);
                        int dot = 0;
                        for (int d = 0; d < dim; d++) dot += Int4Codes.level(codes, 0, dim, d) * q[d];
                        score[i] = dot * scale;
                        if (!f.hasTag() || TagsJson.contains(all.get(i).tags, f.tag())) order.add(i);
                    }
                    order.sort((a, b) -> Float.compare(score[b], score[a]));
                    int k = Math.min(100, order.size());
                    Set<String> want = new HashSet<>();
                    for (int i = 0; i < k; i++) want.add(all.get(order.get(i)).id);
                    CandidateSet got = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
                    assertEquals(k, index.topK("ns", query, Math.max(1, k), f, got));
                    Set<String> gotIds = new HashSet<>(Arrays.asList(got.ids).subList(0, k));
                    assertEquals(want, gotIds, kernel.name() + " size " + size + " " + f);
                }
            }
        }
    }

    /**
     * Recall@100 of the default index (2-bit coarse pass of 30 k, then 4-bit for a shortlist of 3 k, as the job
     * configures it: RouterConfig.indexShortlistFactor) against exact search over 20,000 random unit memories: at
     * least 0.99 (the 4-bit pass alone gives ~0.82 without rescoring).
     */
    @Test
    void coarseAndInt4PassesKeepRecallAt100AboveTheTarget() {
        Random rnd = new Random(21);
        LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(3));
        assertEquals(LiveMemoryIndex.DEFAULT_COARSE_FACTOR, index.coarseFactor());
        int size = 20_000;
        List<MemoryRecord> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            MemoryRecord r = TestMemories.record("m" + i, "ns", TestMemories.randomUnit(rnd));
            all.add(r);
            index.upsert(r);
        }
        CandidateSet got = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
        int queries = 20;
        int k = 100;
        int hits = 0;
        for (int q = 0; q < queries; q++) {
            float[] query = TestMemories.randomUnit(rnd);
            Integer[] order = new Integer[size];
            double[] exact = new double[size];
            for (int i = 0; i < size; i++) {
                float[] v = all.get(i).embedding;
                double dot = 0;
                for (int d = 0; d < v.length; d++) dot += (double) v[d] * query[d];
                exact[i] = dot;
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(exact[b], exact[a]));
            Set<String> want = new HashSet<>();
            for (int i = 0; i < k; i++) want.add(all.get(order[i]).id);
            assertEquals(k, index.topK("ns", query, k, RetrievalFilter.NONE, got));
            for (int i = 0; i < k; i++) if (want.contains(got.ids[i])) hits++;
        }
        double recall = hits / (double) (queries * k);
        assertTrue(recall >= 0.99, "recall@100 " + recall);
    }

    /**
     * A scan split over 2 or 3 threads keeps the same shortlist as one thread (factor 1, so the top k is the
     * shortlist itself, and the job's factor 4), for both first passes and 4-bit with and without the coarse
     * pass, on a namespace just over the split
     * threshold whose size is no multiple of the block, after deletes moved rows, and with a filter (never split).
     */
    @Test
    void splitScanKeepsTheShortlistOfOneThread() {
        Random rnd = new Random(33);
        int size = LiveMemoryIndex.PARALLEL_MIN_ROWS + 3 * LiveMemoryIndex.SCAN_BLOCK_ROWS + 17;
        List<MemoryRecord> all = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            MemoryRecord r = TestMemories.record("m" + i, "ns", TestMemories.randomUnit(rnd));
            r.tags = new String[] {"t" + rnd.nextInt(3)};
            all.add(r);
        }
        float[][] queries = new float[6][];
        for (int q = 0; q < queries.length; q++) queries[q] = TestMemories.randomUnit(rnd);
        record Setup(LiveMemoryIndex.FirstPass pass, int coarse) {}
        for (Setup setup : List.of(new Setup(LiveMemoryIndex.FirstPass.INT8, 0), new Setup(LiveMemoryIndex.FirstPass.INT4, 0),
                new Setup(LiveMemoryIndex.FirstPass.INT4, LiveMemoryIndex.DEFAULT_COARSE_FACTOR))) {
            LiveMemoryIndex.FirstPass pass = setup.pass();
            int coarse = setup.coarse();
            for (int factor : new int[] {1, 4}) {
                LiveMemoryIndex one = new LiveMemoryIndex(IndexSettings.of(factor).firstPass(pass).coarseFactor(coarse));
                for (int threads : new int[] {2, 3}) {
                    try (LiveMemoryIndex split = new LiveMemoryIndex(IndexSettings.of(factor).firstPass(pass).scanThreads(threads).coarseFactor(coarse))) {
                        for (LiveMemoryIndex index : List.of(one, split)) {
                            if (index.size() == 0) all.forEach(index::upsert);
                        }
                        for (int round = 0; round < 2; round++) {
                            for (RetrievalFilter f : new RetrievalFilter[] {RetrievalFilter.NONE, RetrievalFilter.NONE.withTag("t1")}) {
                                for (float[] query : queries) {
                                    CandidateSet a = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
                                    CandidateSet b = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
                                    int n = one.topK("ns", query, 100, f, a);
                                    assertEquals(n, split.topK("ns", query, 100, f, b));
                                    String what = pass + " coarse " + coarse + " factor " + factor + " threads " + threads + " round " + round + " " + f;
                                    assertEquals(100, n, what);
                                    assertEquals(Arrays.asList(a.ids).subList(0, n), Arrays.asList(b.ids).subList(0, n), what);
                                    for (int i = 0; i < n; i++) assertEquals(a.similarity[i], b.similarity[i], what);
                                }
                            }
                            // Deletes move the last rows into the holes: the ranges now cut other rows.
                            for (int d = 0; d < 300; d++) {
                                String id = "m" + (d * 53 % size);
                                one.delete("ns", id);
                                split.delete("ns", id);
                            }
                        }
                        assertEquals(0, one.coarseFallbacks() + split.coarseFallbacks(), "random rows need no coarse fallback");
                        // Restore both for the next thread count.
                        all.forEach(one::upsert);
                        assertEquals(size, one.size());
                    }
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new LiveMemoryIndex(IndexSettings.of(4).scanThreads(0)));
    }

    /**
     * The coarse pass keeps every row among the {@code coarse} best 2-bit dots (computed here from
     * {@link Int2Codes} without the index): with factor 1 the result is the k best 4-bit scores of the coarse
     * shortlist, so no row of those best dots may be missing while a worse 4-bit score was returned, and no
     * returned row may fall outside the 1.5 {@code coarse} best dots. Once on random rows, once with the
     * sample's rows (which set the first threshold) near the query, which sets it too high and takes the
     * fallback over every row; on every kernel pair and split over two threads.
     */
    @Test
    void coarsePassKeepsEveryRowOfTheBestTwoBitDots() {
        int dim = Embeddings.DIM;
        int size = 20_000; // over PARALLEL_MIN_ROWS: split over two threads
        int k = 50;
        int coarseFactor = 10;
        int coarse = k * coarseFactor;
        for (boolean biasedSample : new boolean[] {false, true}) {
            Random rnd = new Random(biasedSample ? 8 : 7);
            float[] query = TestMemories.randomUnit(rnd);
            Set<Integer> sampled = new HashSet<>();
            int sample = CoarsePass.sampleSize(size);
            for (int i = 0; i < sample; i++) sampled.add(CoarsePass.sampleRow(i, sample, size));
            assertEquals(sample, sampled.size(), "distinct sample rows");
            List<MemoryRecord> all = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                float[] v = TestMemories.randomUnit(rnd);
                if (biasedSample && sampled.contains(i)) {
                    for (int d = 0; d < dim; d++) v[d] = 0.3f * v[d] + query[d];
                }
                all.add(TestMemories.record("m" + i, "ns", v));
            }
            byte[] qBytes = new byte[dim];
            Int8Codes.quantize(query, qBytes, 0, dim, new float[1], 0);
            short[] q = new short[dim];
            for (int d = 0; d < dim; d++) q[d] = qBytes[d];
            int[] dot2 = new int[size];
            float[] score4 = new float[size];
            byte[] codes2 = new byte[Int2Codes.rowBytes(dim)];
            byte[] codes4 = new byte[Int4Codes.rowBytes(dim)];
            int[] one = new int[1];
            for (int i = 0; i < size; i++) {
                float[] v = all.get(i).embedding;
                Int2Codes.quantize(v, codes2, 0, dim);
                Int2Dot.scalar().dotRows(codes2, 0, 1, q, dim, one);
                dot2[i] = one[0];
                float scale = Int4Codes.quantize(v, codes4, 0, dim) / LiveMemoryIndex.norm(v);
                Int4Dot.scalar().dotRows(codes4, 0, 1, q, dim, one);
                score4[i] = one[0] * scale;
            }
            int[] sorted = dot2.clone();
            Arrays.sort(sorted);
            int mustKeep = sorted[size - coarse]; // the coarse-th best 2-bit dot
            int mayKeep = sorted[size - coarse * 3 / 2];
            Int4Dot[] kernels4 = {Int4Dot.best(), Int4Dot.scalar()};
            Int2Dot[] kernels2 = {Int2Dot.best(), Int2Dot.scalar()};
            for (int kernel = 0; kernel < 2; kernel++) {
                for (int threads : new int[] {1, 2}) {
                    try (LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(1).coarseFactor(coarseFactor).scanThreads(threads).kernels(kernels4[kernel], kernels2[kernel]))) {
                        all.forEach(index::upsert);
                        CandidateSet got = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
                        assertEquals(k, index.topK("ns", query, k, RetrievalFilter.NONE, got));
                        String what = kernels2[kernel].name() + " threads " + threads + (biasedSample ? " biased sample" : "");
                        // Random rows never need the fallback; rows near the query in the sample always do.
                        assertEquals(biasedSample ? 1 : 0, index.coarseFallbacks(), what);
                        Set<Integer> returned = new HashSet<>();
                        float worstReturned = Float.POSITIVE_INFINITY;
                        for (int i = 0; i < k; i++) {
                            int row = Integer.parseInt(got.ids[i].substring(1));
                            returned.add(row);
                            worstReturned = Math.min(worstReturned, score4[row]);
                            assertTrue(dot2[row] >= mayKeep, what + ": row " + row + " is outside the coarse shortlist");
                        }
                        for (int row = 0; row < size; row++) {
                            if (dot2[row] >= mustKeep && score4[row] > worstReturned) {
                                assertTrue(returned.contains(row), what + ": row " + row + " of the best 2-bit dots was dropped");
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Rows stored topic by topic (20 clusters of 1,000, as an import of one subject after another) and queries
     * near each topic: the sample, spread over the namespace, sees every topic, so no query needs the coarse
     * fallback. (A sample of the first rows saw only the first topics and fell back on their queries.)
     */
    @Test
    void topicOrderedRowsNeedNoCoarseFallback() {
        int dim = Embeddings.DIM;
        Random rnd = new Random(9);
        int topics = 20;
        float[][] centers = new float[topics][];
        for (int t = 0; t < topics; t++) centers[t] = TestMemories.randomUnit(rnd);
        try (LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(4).coarseFactor(10))) {
            for (int t = 0; t < topics; t++) {
                for (int i = 0; i < 1_000; i++) {
                    float[] v = TestMemories.randomUnit(rnd);
                    for (int d = 0; d < dim; d++) v[d] = 0.6f * v[d] + centers[t][d];
                    index.upsert(TestMemories.record("t" + t + "-" + i, "ns", v));
                }
            }
            CandidateSet got = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
            for (int t = 0; t < topics; t++) {
                float[] query = TestMemories.randomUnit(rnd);
                for (int d = 0; d < dim; d++) query[d] = 0.6f * query[d] + centers[t][d];
                assertEquals(50, index.topK("ns", query, 50, RetrievalFilter.NONE, got));
                assertTrue(got.ids[0].startsWith("t" + t + "-"), "the query's topic comes first");
            }
            assertEquals(0, index.coarseFallbacks());
        }
    }

    /** The coarse shortlist: factor * k up to 100k rows, then growing with the square root of the size. */
    @Test
    void coarseShortlistGrowsWithTheSquareRootOfLargeNamespaces() {
        assertEquals(3_000, CoarsePass.coarseRows(30, 100, 20_000));
        assertEquals(3_000, CoarsePass.coarseRows(30, 100, 100_000));
        assertEquals(4_243, CoarsePass.coarseRows(30, 100, 200_000)); // 3,000 * sqrt(2), rounded up
        assertEquals(9_487, CoarsePass.coarseRows(30, 100, 1_000_000)); // 3,000 * sqrt(10)
        assertEquals(300, CoarsePass.coarseRows(30, 10, 100_000));
    }

    @Test
    void deletingMovesTheLastRowAndKeepsItsTags() {
        Random rnd = new Random(1);
        LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(2));
        MemoryRecord a = TestMemories.record("a", "ns", TestMemories.randomUnit(rnd));
        MemoryRecord b = TestMemories.record("b", "ns", TestMemories.randomUnit(rnd));
        b.tags = new String[] {"x"};
        index.upsert(a);
        index.upsert(b);
        assertTrue(index.delete("ns", "a"));
        CandidateSet out = new CandidateSet(8);
        assertEquals(1, index.topK("ns", b.embedding, 5, RetrievalFilter.NONE.withTag("x"), out));
        assertEquals("b", out.ids[0]);
        assertEquals(0, index.topK("ns", b.embedding, 5, RetrievalFilter.NONE.withTag("y"), out));
        assertNull(index.get("ns", "a"));
        assertEquals(0, index.topK("other", b.embedding, 5, null, out));
        float[] nan = TestMemories.randomUnit(rnd);
        nan[0] = Float.NaN;
        MemoryRecord bad = TestMemories.record("bad", "ns", nan);
        assertThrows(IllegalArgumentException.class, () -> index.upsert(bad));
        assertThrows(IllegalArgumentException.class, () -> index.topK("ns", new float[3], 5, null, out));
    }
}
