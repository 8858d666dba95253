package org.agentrouter.locomo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Ranking quality of returned context against the evidence turns of each question: recall@k (share of a
 * question's evidence in the top k, averaged over questions), hit@k (at least one evidence turn in the top k),
 * MRR (1 / rank of the first evidence turn, 0 when none is returned) and nDCG@10 (binary gains), overall and
 * per category. Questions without evidence are not counted.
 */
public final class ContextMetrics {
    public static final int NDCG_K = 10;

    private final int[] ks;
    private final Figures all;
    private final Map<Integer, Figures> byCategory = new TreeMap<>();

    public ContextMetrics(int... ks) {
        this.ks = ks.clone();
        this.all = new Figures(this.ks);
    }

    public int[] ks() {
        return ks.clone();
    }

    /** Adds one question's ranking (memory ids, best first) against its evidence ids. */
    public void add(int category, List<String> ranked, Set<String> evidence) {
        if (evidence.isEmpty()) return;
        all.add(ranked, evidence);
        byCategory.computeIfAbsent(category, c -> new Figures(ks)).add(ranked, evidence);
    }

    /** Metrics of disjoint question sets (folds) as one: sums add up. */
    public static ContextMetrics merge(List<ContextMetrics> parts) {
        ContextMetrics out = new ContextMetrics(parts.get(0).ks);
        for (ContextMetrics p : parts) {
            out.all.addAll(p.all);
            p.byCategory.forEach((c, f) -> out.byCategory.computeIfAbsent(c, x -> new Figures(out.ks)).addAll(f));
        }
        return out;
    }

    public Figures overall() {
        return all;
    }

    public Map<Integer, Figures> byCategory() {
        return byCategory;
    }

    /** Sums over questions; means on request. */
    public static final class Figures {
        private final int[] ks;
        private int questions;
        private final double[] recall;
        private final double[] hit;
        private double reciprocalRank;
        private double ndcg;
        /** Per-question recall at each k, for fold statistics and paired comparisons. */
        private final List<double[]> perQuestion = new ArrayList<>();

        Figures(int[] ks) {
            this.ks = ks;
            recall = new double[ks.length];
            hit = new double[ks.length];
        }

        void addAll(Figures o) {
            questions += o.questions;
            for (int j = 0; j < ks.length; j++) {
                recall[j] += o.recall[j];
                hit[j] += o.hit[j];
            }
            reciprocalRank += o.reciprocalRank;
            ndcg += o.ndcg;
            perQuestion.addAll(o.perQuestion);
        }

        void add(List<String> ranked, Set<String> evidence) {
            questions++;
            double[] mine = new double[ks.length];
            for (int j = 0; j < ks.length; j++) {
                int found = 0;
                for (int r = 0; r < Math.min(ks[j], ranked.size()); r++) if (evidence.contains(ranked.get(r))) found++;
                mine[j] = found / (double) evidence.size();
                recall[j] += mine[j];
                hit[j] += found > 0 ? 1 : 0;
            }
            perQuestion.add(mine);
            for (int r = 0; r < ranked.size(); r++) {
                if (evidence.contains(ranked.get(r))) {
                    reciprocalRank += 1.0 / (r + 1);
                    break;
                }
            }
            double dcg = 0;
            for (int r = 0; r < Math.min(NDCG_K, ranked.size()); r++) {
                if (evidence.contains(ranked.get(r))) dcg += 1 / log2(r + 2);
            }
            double ideal = 0;
            for (int r = 0; r < Math.min(NDCG_K, evidence.size()); r++) ideal += 1 / log2(r + 2);
            ndcg += dcg / ideal;
        }

        private static double log2(double x) {
            return Math.log(x) / Math.log(2);
        }

        public int questions() {
            return questions;
        }

        public double recallAt(int k) {
            return questions == 0 ? Double.NaN : recall[indexOf(k)] / questions;
        }

        public double hitAt(int k) {
            return questions == 0 ? Double.NaN : hit[indexOf(k)] / questions;
        }

        public double mrr() {
            return questions == 0 ? Double.NaN : reciprocalRank / questions;
        }

        public double ndcg10() {
            return questions == 0 ? Double.NaN : ndcg / questions;
        }

        /** Recall at k of each question, in the order added. */
        public double[] recallsAt(int k) {
            int j = indexOf(k);
            double[] out = new double[perQuestion.size()];
            for (int i = 0; i < out.length; i++) out[i] = perQuestion.get(i)[j];
            return out;
        }

        private int indexOf(int k) {
            for (int j = 0; j < ks.length; j++) if (ks[j] == k) return j;
            throw new IllegalArgumentException("recall@" + k + " was not measured (measured: " + java.util.Arrays.toString(ks) + ")");
        }

        /** recall_at, hit_at, mrr, ndcg10, questions: the JSON shape of eval-context. */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("questions", questions);
            Map<String, Double> r = new LinkedHashMap<>();
            Map<String, Double> h = new LinkedHashMap<>();
            for (int k : ks) {
                r.put(Integer.toString(k), round(recallAt(k)));
                h.put(Integer.toString(k), round(hitAt(k)));
            }
            m.put("recall_at", r);
            m.put("hit_at", h);
            m.put("mrr", round(mrr()));
            m.put("ndcg10", round(ndcg10()));
            return m;
        }

        static double round(double v) {
            return Double.isNaN(v) ? v : Math.round(v * 10_000) / 10_000.0;
        }
    }
}
