package org.agentrouter.bench;

import java.util.SplittableRandom;
import org.agentrouter.features.ContextFeatures;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.index.HybridSearch;
import org.agentrouter.memory.lexical.LexicalIndex;
import org.agentrouter.memory.index.IndexSettings;
import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.MemoryRecord;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What hybrid retrieval adds per query in the retrieval operator: the BM25 search of a namespace's
 * {@link LexicalIndex}, the fusion with the dense top-k ({@link HybridSearch} against the dense top-k alone), and the
 * context columns of 100 candidates ({@link ContextFeatures}). Memories are conversation-like synthetic texts (a
 * Zipf-distributed vocabulary of 5,000 words, 8-30 words per turn, one session per 20 turns) with random unit
 * vectors; the query is a 9-word question.
 */
@State(Scope.Thread)
public class ContextRetrievalBenchmark {
    @Param({"700", "10000"})
    public int memories;

    private static final String NS = "bench";
    private LiveMemoryIndex dense;
    private LexicalIndex lexical;
    private HybridSearch hybrid;
    private HybridSearch hybridDefaults;
    private HybridSearch hybridNeighbours;
    private final CandidateSet out = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
    private final CandidateSet out128 = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
    private final LexicalIndex.Hits hits = new LexicalIndex.Hits(64);
    private final ContextFeatures context = new ContextFeatures();
    private float[] rows;
    private float[] query;
    private String question;

    @Setup
    public void setUp() {
        SplittableRandom r = new SplittableRandom(18);
        String[] vocabulary = new String[5000];
        for (int i = 0; i < vocabulary.length; i++) vocabulary[i] = word(r, i);
        dense = new LiveMemoryIndex(IndexSettings.of(4));
        lexical = new LexicalIndex();
        for (int i = 0; i < memories; i++) {
            MemoryRecord m = new MemoryRecord();
            m.id = "m" + i;
            m.namespace = NS;
            m.kind = MemoryRecord.EPISODE;
            m.text = (i % 2 == 0 ? "Caroline: " : "Melanie: ") + sentence(r, vocabulary, 8 + r.nextInt(23));
            m.sessionId = "s" + i / 20;
            m.createdAtMs = 1_700_000_000_000L + (i / 20) * 86_400_000L + (i % 20) * 60_000L;
            m.embedding = unit(r);
            dense.upsert(m);
            lexical.upsert(NS, m.id, m.text, true);
        }
        hybrid = new HybridSearch(dense, lexical, FeatureLayout.MAX_CANDIDATES, 64);
        hybridDefaults = new HybridSearch(dense, lexical, FeatureLayout.MAX_CANDIDATES, 96);
        hybridNeighbours = new HybridSearch(dense, lexical, FeatureLayout.MAX_CANDIDATES, 96, 20);
        query = unit(r);
        question = "When did Caroline go to the " + sentence(r, vocabulary, 4) + "?";
        rows = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
        lexical.search(NS, question, 64, hits); // the first search after the writes opens the reader
    }

    private static String word(SplittableRandom r, int i) {
        StringBuilder b = new StringBuilder();
        int len = 3 + r.nextInt(7);
        for (int c = 0; c < len; c++) b.append((char) ('a' + r.nextInt(26)));
        return b.toString();
    }

    private static String sentence(SplittableRandom r, String[] vocabulary, int words) {
        StringBuilder b = new StringBuilder();
        for (int w = 0; w < words; w++) {
            // Zipf-like: small indices far more often.
            int i = (int) Math.min(vocabulary.length - 1, Math.floor(Math.pow(vocabulary.length, r.nextDouble())) - 1);
            b.append(w == 0 ? "" : " ").append(vocabulary[i]);
        }
        return b.toString();
    }

    private static float[] unit(SplittableRandom r) {
        float[] v = new float[FeatureLayout.EMBEDDING_DIM];
        double n = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextDouble(-1, 1);
            n += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
        return v;
    }

    /** BM25 top 64 of the namespace for the question (Lucene, EnglishAnalyzer). */
    @Benchmark
    public int lexicalSearch64() {
        return lexical.search(NS, question, 64, hits);
    }

    /** The retrieval before #18: the dense top 100. */
    @Benchmark
    public int denseTopK100() {
        return dense.topK(NS, query, 100, null, out);
    }

    /** The job's retrieval now: dense top 100 + BM25 top 64, fused by RRF, best 100 ordered by cosine. */
    @Benchmark
    public int hybridTopK100() {
        return hybrid.topK(NS, query, question, 100, null, out);
    }

    /** The job's retrieval with round 2's defaults: dense top 128 + BM25 top 96, fused by RRF, best 128 (the whole input). */
    @Benchmark
    public int hybridTopK128() {
        return hybridDefaults.topK(NS, query, question, 128, null, out128);
    }

    /**
     * The job's retrieval with round 3's defaults: round 2's, then up to 20 session neighbours of the 3 best dense and
     * lexical hits in place of the weakest candidates.
     */
    @Benchmark
    public int hybridTopK128Neighbours() {
        return hybridNeighbours.topK(NS, query, question, 128, null, out128);
    }

    /** The context columns of 128 hybrid candidates with session neighbours (layout 3: with the coverage and feedback columns). */
    @Benchmark
    public void contextFeatures128(Blackhole bh) {
        if (out128.size() == 0) hybridNeighbours.topK(NS, query, question, 128, null, out128);
        context.fill(out128, out128.size(), question, rows);
        bh.consume(rows);
    }

    /** The context columns of the hybrid candidates (after hybridTopK100 filled them once in setup). */
    @Benchmark
    public void contextFeatures100(Blackhole bh) {
        if (out.size() == 0) hybrid.topK(NS, query, question, 100, null, out);
        context.fill(out, out.size(), question, rows);
        bh.consume(rows);
    }

    @TearDown
    public void tearDown() {
        dense.close();
        lexical.close();
    }
}
