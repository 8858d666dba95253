package org.agentrouter.locomo;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.training.RelevanceNetwork;
import org.agentrouter.training.RelevanceTrainer;
import org.agentrouter.training.Weights;

/**
 * Leave-one-conversation-out study of the relevance head on LoCoMo (a command, not a test): for each conversation,
 * train on the other four and measure on it, next to the baselines on the same questions; per fold and mean +- std.
 * Arguments: data dir, then model specs NAME=hidden[:columns-to-drop,...] (default: linear=0 mlp16=16).
 */
public final class RelevanceStudy {
    static final int[] KS = {5, 10, 50, 100};
    static final double[] LINEAR_GRID = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

    public record Spec(String name, int hidden, boolean[] columns, int epochs) {}

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data/locomo");
        int k = Integer.getInteger("k", 128);
        int lexicalK = Integer.getInteger("lexicalK", ContextCandidates.LEXICAL_K);
        List<Spec> specs = new ArrayList<>();
        for (int i = 1; i < args.length; i++) specs.add(parse(args[i]));
        if (specs.isEmpty()) {
            specs.add(parse("lin=0"));
            specs.add(parse("mlp16=16"));
        }
        LocomoData.Loaded loaded = LocomoData.load(data);
        List<LocomoMemories.Corpus> corpora = new ArrayList<>();
        try (MiniLmEmbedder embedder = new MiniLmEmbedder()) {
            TextEmbeddings cache = new TextEmbeddings(TextEmbeddings.defaultDir(), embedder::embed);
            for (LocomoData.Conversation c : loaded.conversations()) corpora.add(LocomoMemories.corpus(c, cache));
        }
        run(corpora, specs, k, lexicalK, System.out);
    }

    /**
     * Runs the leave-one-conversation-out protocol, printing per fold and summaries to {@code out}; returns, for the
     * first spec, release metadata: mean and std over folds of recall@5/@10 for it and the best baseline, and the
     * per-fold differences.
     */
    public static Map<String, String> run(List<LocomoMemories.Corpus> corpora, List<Spec> specs, int k, int lexicalK,
                                          java.io.PrintStream out) {
        java.io.PrintStream System_out = out;
        List<List<ContextCandidates.Row>> rows = new ArrayList<>();
        List<List<BaselineRankings.Question>> baselines = new ArrayList<>();
        for (LocomoMemories.Corpus c : corpora) {
            rows.add(ContextCandidates.of(c, k, lexicalK));
            baselines.add(BaselineRankings.of(c));
        }
        System_out.printf(Locale.ROOT, "k=%d lexicalK=%d, %d conversations%n", k, lexicalK, corpora.size());
        Map<String, ContextMetrics> pooled = new LinkedHashMap<>();
        Map<String, List<ContextMetrics>> perFold = new LinkedHashMap<>();
        for (int f = 0; f < corpora.size(); f++) {
            // Linear fusion: its weight chosen on the training conversations (recall@10), then applied here.
            double bestA = 0;
            double bestR = -1;
            for (double a : LINEAR_GRID) {
                ContextMetrics m = new ContextMetrics(KS);
                for (int g = 0; g < corpora.size(); g++) {
                    if (g == f) continue;
                    for (BaselineRankings.Question q : baselines.get(g)) m.add(q.question().category(), q.linear(a), evidence(corpora.get(g), q.question()));
                }
                if (m.overall().recallAt(10) > bestR) {
                    bestR = m.overall().recallAt(10);
                    bestA = a;
                }
            }
            Map<String, ContextMetrics> fold = new LinkedHashMap<>();
            for (BaselineRankings.Question q : baselines.get(f)) {
                for (String b : List.of(BaselineRankings.COSINE, BaselineRankings.BM25, BaselineRankings.RRF, BaselineRankings.LINEAR)) {
                    fold.computeIfAbsent(b, x -> new ContextMetrics(KS)).add(q.question().category(), q.ranking(b, bestA),
                            evidence(corpora.get(f), q.question()));
                }
            }
            // Candidate order (by cosine) = the retrieval stage's recall.
            for (ContextCandidates.Row r : rows.get(f)) {
                fold.computeIfAbsent("candidates", x -> new ContextMetrics(KS)).add(r.question().category(), Arrays.asList(r.ids()), r.evidence());
            }
            List<RelevanceTrainer.Example> train = new ArrayList<>();
            for (int g = 0; g < corpora.size(); g++) {
                if (g == f) continue;
                for (ContextCandidates.Row r : rows.get(g)) train.add(new RelevanceTrainer.Example(r.candidates(), r.labels()));
            }
            for (Spec s : specs) {
                RelevanceNetwork net = new RelevanceNetwork(s.hidden(), RelevanceNetwork.and(s.columns(), RelevanceNetwork.varyingColumns(train)));
                RelevanceTrainer.Settings settings = new RelevanceTrainer.Settings(s.epochs(), 32, 0.005f, 1e-4f, 7);
                Weights w = RelevanceTrainer.train(net, train, settings);
                for (ContextCandidates.Row r : rows.get(f)) {
                    fold.computeIfAbsent(s.name(), x -> new ContextMetrics(KS)).add(r.question().category(), rank(w, s.hidden(), r), r.evidence());
                }
            }
            System_out.printf(Locale.ROOT, "fold %d (%s, %d questions, linear a=%.1f):%n", f, corpora.get(f).conversation().id(),
                    rows.get(f).size(), bestA);
            for (Map.Entry<String, ContextMetrics> e : fold.entrySet()) {
                ContextStudy.print("  " + e.getKey(), e.getValue());
                perFold.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(e.getValue());
            }
            // Pool per-question results across folds.
            for (BaselineRankings.Question q : baselines.get(f)) {
                for (String b : List.of(BaselineRankings.COSINE, BaselineRankings.BM25, BaselineRankings.RRF, BaselineRankings.LINEAR)) {
                    pooled.computeIfAbsent(b, x -> new ContextMetrics(KS)).add(q.question().category(), q.ranking(b, bestA),
                            evidence(corpora.get(f), q.question()));
                }
            }
        }
        System_out.println("mean +- std over folds (recall@5, recall@10, hit@5, mrr, ndcg10):");
        for (Map.Entry<String, List<ContextMetrics>> e : perFold.entrySet()) {
            System_out.printf(Locale.ROOT, "  %-24s r@5 %s  r@10 %s  r@50 %s  h@5 %s  mrr %s  ndcg10 %s%n", e.getKey(),
                    meanStd(e.getValue(), m -> m.overall().recallAt(5)), meanStd(e.getValue(), m -> m.overall().recallAt(10)),
                    meanStd(e.getValue(), m -> m.overall().recallAt(50)), meanStd(e.getValue(), m -> m.overall().hitAt(5)),
                    meanStd(e.getValue(), m -> m.overall().mrr()), meanStd(e.getValue(), m -> m.overall().ndcg10()));
        }
        System_out.println("pooled over the 5 held-out folds (each question scored by the model that never saw its conversation):");
        Map<String, ContextMetrics> all = new LinkedHashMap<>();
        for (Map.Entry<String, List<ContextMetrics>> e : perFold.entrySet()) all.put(e.getKey(), merge(e.getValue()));
        for (Map.Entry<String, ContextMetrics> e : all.entrySet()) ContextStudy.print("  " + e.getKey(), e.getValue());
        // Paired differences against the best baseline, per fold.
        String best = null;
        double bestR10 = -1;
        for (String b : List.of(BaselineRankings.COSINE, BaselineRankings.BM25, BaselineRankings.RRF, BaselineRankings.LINEAR)) {
            double r = all.get(b).overall().recallAt(10);
            if (r > bestR10) {
                bestR10 = r;
                best = b;
            }
        }
        System_out.println("best baseline by pooled recall@10: " + best);
        for (Spec s : specs) {
            double[] d5 = new double[corpora.size()];
            double[] d10 = new double[corpora.size()];
            for (int f = 0; f < corpora.size(); f++) {
                d5[f] = perFold.get(s.name()).get(f).overall().recallAt(5) - perFold.get(best).get(f).overall().recallAt(5);
                d10[f] = perFold.get(s.name()).get(f).overall().recallAt(10) - perFold.get(best).get(f).overall().recallAt(10);
            }
            System_out.printf(Locale.ROOT, "  %s - %s per fold: recall@5 %s, recall@10 %s%n", s.name(), best, fmt(d5), fmt(d10));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        Spec first = specs.get(0);
        meta.put("relevance.protocol", "leave-one-conversation-out, " + corpora.size() + " LoCoMo conversations ("
                + String.join(",", corpora.stream().map(c -> c.conversation().id()).toList()) + "), categories 1-4, k=" + k
                + " candidates (lexical k " + lexicalK + "); ./router train-relevance --protocol");
        meta.put("relevance.recall5", fmt(perFold.get(first.name()).stream().mapToDouble(m -> m.overall().recallAt(5)).toArray()));
        meta.put("relevance.recall10", fmt(perFold.get(first.name()).stream().mapToDouble(m -> m.overall().recallAt(10)).toArray()));
        meta.put("relevance.pooled_recall5", String.format(Locale.ROOT, "%.4f", all.get(first.name()).overall().recallAt(5)));
        meta.put("relevance.pooled_recall10", String.format(Locale.ROOT, "%.4f", all.get(first.name()).overall().recallAt(10)));
        meta.put("relevance.best_baseline", best);
        meta.put("relevance.best_baseline_recall5", fmt(perFold.get(best).stream().mapToDouble(m -> m.overall().recallAt(5)).toArray()));
        meta.put("relevance.best_baseline_recall10", fmt(perFold.get(best).stream().mapToDouble(m -> m.overall().recallAt(10)).toArray()));
        return meta;
    }

    /** Merges per-fold metrics by re-adding nothing: folds hold disjoint questions, so pooled = sum. */
    static ContextMetrics merge(List<ContextMetrics> folds) {
        return ContextMetrics.merge(folds);
    }

    static String meanStd(List<ContextMetrics> folds, java.util.function.ToDoubleFunction<ContextMetrics> f) {
        double[] v = folds.stream().mapToDouble(f).toArray();
        return fmt(v);
    }

    static String fmt(double[] v) {
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        double var = 0;
        for (double x : v) var += (x - mean) * (x - mean);
        double std = v.length > 1 ? Math.sqrt(var / (v.length - 1)) : 0;
        return String.format(Locale.ROOT, "%.3f+-%.3f", mean, std);
    }

    static java.util.Set<String> evidence(LocomoMemories.Corpus c, LocomoData.Question q) {
        java.util.Set<String> e = new java.util.HashSet<>();
        for (String id : q.evidence()) e.add(c.memoryId(id));
        return e;
    }

    /** Candidate ids by the model's score, best first (ties: retrieval order). */
    static List<String> rank(Weights w, int hidden, ContextCandidates.Row r) {
        float[] s = new float[r.size()];
        Integer[] order = new Integer[r.size()];
        for (int i = 0; i < r.size(); i++) {
            s[i] = RelevanceNetwork.score(w, hidden, r.candidates(), i);
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(s[b], s[a]));
        List<String> out = new ArrayList<>();
        for (int i : order) out.add(r.ids()[i]);
        return out;
    }

    /** NAME=HIDDEN[:drop1,drop2][@epochs], columns by index. */
    public static Spec parse(String spec) {
        String[] nameRest = spec.split("=", 2);
        String rest = nameRest[1];
        int epochs = 40;
        if (rest.contains("@")) {
            epochs = Integer.parseInt(rest.substring(rest.indexOf('@') + 1));
            rest = rest.substring(0, rest.indexOf('@'));
        }
        boolean[] cols = new boolean[CANDIDATE_WIDTH];
        Arrays.fill(cols, true);
        String[] hc = rest.split(":", 2);
        if (hc.length > 1) {
            for (String d : hc[1].split(",")) {
                if (d.contains("-")) {
                    String[] ab = d.split("-");
                    for (int c = Integer.parseInt(ab[0]); c <= Integer.parseInt(ab[1]); c++) cols[c] = false;
                } else {
                    cols[Integer.parseInt(d)] = false;
                }
            }
        }
        return new Spec(nameRest[0], Integer.parseInt(hc[0]), cols, epochs);
    }
}
