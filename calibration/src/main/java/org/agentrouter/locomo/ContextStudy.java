package org.agentrouter.locomo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.memory.lexical.LexicalIndex;
import org.agentrouter.memory.MemoryRecord;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;

/** Phase-1 study of context ranking on LoCoMo (a command, not a test): baselines and candidate recall. */
public final class ContextStudy {
    static final int[] KS = {5, 10, 50, 100, 128, 200};

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data/locomo");
        LocomoData.Loaded loaded = LocomoData.load(data);
        System.out.println("problems: " + loaded.problems());
        List<LocomoMemories.Corpus> corpora = new ArrayList<>();
        try (MiniLmEmbedder embedder = new MiniLmEmbedder()) {
            TextEmbeddings cache = new TextEmbeddings(TextEmbeddings.defaultDir(), embedder::embed);
            for (LocomoData.Conversation c : loaded.conversations()) { corpora.add(LocomoMemories.corpus(c, cache)); }
        }
        Map<String, ContextMetrics> results = new java.util.LinkedHashMap<>();
        for (String analyzerName : List.of("standard", "english")) {
            for (LocomoMemories.Corpus corpus : corpora) {
                Analyzer a = analyzerName.equals("english") ? new EnglishAnalyzer() : new StandardAnalyzer();
                try (LexicalIndex lexical = new LexicalIndex(a)) {
                    for (MemoryRecord m : corpus.memories()) lexical.upsert(corpus.namespace(), m.id, m.text, true);
                    LexicalIndex.Hits hits = new LexicalIndex.Hits(corpus.memories().size());
                    for (LocomoData.Question q : corpus.conversation().questions()) {
                        if (q.category() < 1 || q.category() > 4 || q.evidence().isEmpty()) continue;
                        Set<String> evidence = new HashSet<>();
                        for (String e : q.evidence()) evidence.add(corpus.memoryId(e));
                        float[] qv = corpus.questionVectors()[q.index()];
                        List<String> dense = denseRanking(corpus.memories(), qv);
                        lexical.search(corpus.namespace(), q.text(), hits.capacity(), hits);
                        List<String> bm25 = new ArrayList<>();
                        for (int i = 0; i < hits.size(); i++) bm25.add(hits.ids[i]);
                        if (analyzerName.equals("standard")) add(results, "cosine", q, dense, evidence);
                        add(results, "bm25-" + analyzerName, q, bm25, evidence);
                        add(results, "rrf60-" + analyzerName, q, rrf(dense, bm25, 60), evidence);
                        List<String> union = new ArrayList<>(dense.subList(0, 100));
                        for (String id : bm25) if (union.size() < 200 && !union.contains(id)) union.add(id);
                        add(results, "union-dense100-bm25-" + analyzerName, q, union, evidence);
                    }
                }
            }
        }
        jobRanking(corpora, results);
        for (Map.Entry<String, ContextMetrics> e : results.entrySet()) print(e.getKey(), e.getValue());
    }

    /** The shipped job: LiveMemoryIndex top-100, then the bundled model's relevance; plus hybrid candidate sets. */
    static void jobRanking(List<LocomoMemories.Corpus> corpora, Map<String, ContextMetrics> results) throws Exception {
        var env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        var release = org.agentrouter.scoring.ModelReleases.fromClasspath("models/default");
        try (var scorer = new org.agentrouter.scoring.OnnxScorer(env, org.agentrouter.scoring.ModelReleases.modelBytes(release))) {
            for (LocomoMemories.Corpus corpus : corpora) {
                try (var index = new org.agentrouter.memory.index.LiveMemoryIndex(org.agentrouter.memory.index.IndexSettings.of(4)); LexicalIndex lexical = new LexicalIndex()) {
                    for (MemoryRecord m : corpus.memories()) {
                        index.upsert(m);
                        lexical.upsert(corpus.namespace(), m.id, m.text, true);
                    }
                    var retriever = new org.agentrouter.features.CandidateRetriever(index, 100);
                    float[] cand = new float[org.agentrouter.features.FeatureLayout.MAX_CANDIDATES * org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH];
                    float[] qf = new float[org.agentrouter.features.FeatureLayout.QUERY_WIDTH];
                    float[] rel = new float[org.agentrouter.features.FeatureLayout.MAX_CANDIDATES];
                    long asOf = corpus.conversation().asOfMs();
                    var set = new org.agentrouter.memory.CandidateSet(128);
                    for (LocomoData.Question q : corpus.conversation().questions()) {
                        if (q.category() < 1 || q.category() > 4 || q.evidence().isEmpty()) continue;
                        Set<String> evidence = new HashSet<>();
                        for (String e : q.evidence()) evidence.add(corpus.memoryId(e));
                        float[] qv = corpus.questionVectors()[q.index()];
                        var found = retriever.retrieve(corpus.namespace(), qv, q.text(), null, null, asOf, null, cand, qf);
                        List<String> retrieval = new ArrayList<>();
                        for (int i = 0; i < found.size(); i++) retrieval.add(found.ids[i]);
                        add(results, "job-retrieval-top100", q, retrieval, evidence);
                        scorer.score(cand, qf, rel);
                        Integer[] order = new Integer[found.size()];
                        for (int i = 0; i < order.length; i++) order[i] = i;
                        java.util.Arrays.sort(order, (a, b) -> Float.compare(rel[b], rel[a]));
                        List<String> ranked = new ArrayList<>();
                        for (int i : order) ranked.add(retrieval.get(i));
                        add(results, "job-seed-relevance", q, ranked, evidence);
                        for (int[] kl : new int[][] {{100, 100}, {128, 64}, {128, 128}}) {
                            var hybrid = new org.agentrouter.memory.index.HybridSearch(index, lexical, 128, kl[1]);
                            hybrid.topK(corpus.namespace(), qv, q.text(), kl[0], null, set);
                            List<String> ids = new ArrayList<>();
                            for (int i = 0; i < set.size(); i++) ids.add(set.ids[i]);
                            // Candidate recall only: the set is ordered by cosine.
                            add(results, "hybrid-candidates-k" + kl[0] + "-lex" + kl[1], q, ids, evidence);
                        }
                    }
                }
            }
        }
    }

    static void add(Map<String, ContextMetrics> results, String name, LocomoData.Question q, List<String> ranked, Set<String> evidence) {
        results.computeIfAbsent(name, n -> new ContextMetrics(KS)).add(q.category(), ranked, evidence);
    }

    static void print(String name, ContextMetrics m) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-32s", name));
        ContextMetrics.Figures f = m.overall();
        b.append(String.format(Locale.ROOT, " n=%d", f.questions()));
        for (int k : m.ks()) b.append(String.format(Locale.ROOT, " r@%d=%.3f", k, f.recallAt(k)));
        b.append(String.format(Locale.ROOT, " h@5=%.3f h@10=%.3f mrr=%.3f ndcg10=%.3f", f.hitAt(5), f.hitAt(10), f.mrr(), f.ndcg10()));
        for (Map.Entry<Integer, ContextMetrics.Figures> c : m.byCategory().entrySet()) {
            b.append(String.format(Locale.ROOT, " | c%d(n=%d) r5=%.3f r10=%.3f", c.getKey(), c.getValue().questions(),
                    c.getValue().recallAt(5), c.getValue().recallAt(10)));
        }
        System.out.println(b);
    }

    static List<String> denseRanking(List<MemoryRecord> memories, float[] q) {
        double[] s = new double[memories.size()];
        Integer[] order = new Integer[memories.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = cosine(q, memories.get(i).embedding);
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(s[b], s[a]));
        List<String> out = new ArrayList<>();
        for (int i : order) out.add(memories.get(i).id);
        return out;
    }

    // The study ranks as the baselines do (same cosine, same RRF with its tie-break by id).
    static double cosine(float[] a, float[] b) {
        return BaselineRankings.cosine(a, b);
    }

    static List<String> rrf(List<String> a, List<String> b, int k) {
        return BaselineRankings.rrf(a, b, k);
    }
}
