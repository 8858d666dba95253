package org.agentrouter.locomo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.memory.lexical.LexicalIndex;
import org.agentrouter.memory.MemoryRecord;

/**
 * The rankings a memory layer without a trained scorer would return, over the whole namespace: cosine of the
 * MiniLM vectors (exact, every memory), Lucene BM25 of the question text ({@link LexicalIndex}: EnglishAnalyzer,
 * k1 1.2, b 0.75, one memory per document), their reciprocal-rank fusion (k = 60), and a linear fusion
 * {@code a * cosine + (1 - a) * BM25 / max BM25} with {@code a} chosen on other conversations.
 */
public final class BaselineRankings {
    public static final String COSINE = "cosine";
    public static final String BM25 = "bm25";
    public static final String RRF = "rrf";
    public static final String LINEAR = "fusion";

    /** A question's rankings (memory ids, best first) and the scores they came from. */
    public record Question(LocomoData.Question question, List<String> cosine, double[] cosineScores,
                           List<String> bm25, double[] bm25Scores) {
        public List<String> rrf() {
            return BaselineRankings.rrf(cosine, bm25, 60);
        }

        /** a * cosine + (1 - a) * BM25 / best BM25, over the memories either side scored. */
        public List<String> linear(double a) {
            Map<String, Double> s = new HashMap<>();
            for (int i = 0; i < cosine.size(); i++) s.put(cosine.get(i), a * cosineScores[i]);
            double top = bm25Scores.length == 0 ? 1 : bm25Scores[0];
            for (int i = 0; i < bm25.size(); i++) s.merge(bm25.get(i), (1 - a) * bm25Scores[i] / top, Double::sum);
            List<String> ids = new ArrayList<>(s.keySet());
            ids.sort((x, y) -> {
                int c = Double.compare(s.get(y), s.get(x));
                return c != 0 ? c : x.compareTo(y);
            });
            return ids;
        }

        public List<String> ranking(String name, double a) {
            return switch (name) {
                case COSINE -> cosine;
                case BM25 -> bm25;
                case RRF -> rrf();
                case LINEAR -> linear(a);
                default -> throw new IllegalArgumentException(name);
            };
        }
    }

    private BaselineRankings() {}

    /** The rankings of every scored question of the conversation (categories 1-4 with evidence), in file order. */
    public static List<Question> of(LocomoMemories.Corpus corpus) {
        List<MemoryRecord> memories = corpus.memories();
        List<Question> out = new ArrayList<>();
        try (LexicalIndex lexical = new LexicalIndex()) {
            for (MemoryRecord m : memories) lexical.upsert(corpus.namespace(), m.id, m.text, true);
            LexicalIndex.Hits hits = new LexicalIndex.Hits(Math.max(1, memories.size()));
            for (LocomoData.Question q : corpus.conversation().questions()) {
                if (!ContextCandidates.scored(q)) continue;
                float[] qv = corpus.questionVectors()[q.index()];
                double[] sims = new double[memories.size()];
                Integer[] order = new Integer[memories.size()];
                for (int i = 0; i < sims.length; i++) {
                    sims[i] = cosine(qv, memories.get(i).embedding);
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> Double.compare(sims[b], sims[a]));
                List<String> dense = new ArrayList<>();
                double[] denseScores = new double[order.length];
                for (int r = 0; r < order.length; r++) {
                    dense.add(memories.get(order[r]).id);
                    denseScores[r] = sims[order[r]];
                }
                lexical.search(corpus.namespace(), q.text(), hits.capacity(), hits);
                List<String> bm25 = new ArrayList<>();
                double[] bm25Scores = new double[hits.size()];
                for (int i = 0; i < hits.size(); i++) {
                    bm25.add(hits.ids[i]);
                    bm25Scores[i] = hits.scores[i];
                }
                out.add(new Question(q, dense, denseScores, bm25, bm25Scores));
            }
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double d = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            d += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return d / Math.sqrt(na * nb);
    }

    static List<String> rrf(List<String> a, List<String> b, int k) {
        Map<String, Double> score = new HashMap<>();
        for (int i = 0; i < a.size(); i++) score.merge(a.get(i), 1.0 / (k + i + 1), Double::sum);
        for (int i = 0; i < b.size(); i++) score.merge(b.get(i), 1.0 / (k + i + 1), Double::sum);
        List<String> ids = new ArrayList<>(score.keySet());
        ids.sort((x, y) -> {
            int c = Double.compare(score.get(y), score.get(x));
            return c != 0 ? c : x.compareTo(y);
        });
        return ids;
    }
}
