package org.agentrouter.locomo;

import static org.agentrouter.features.FeatureLayout.*;

import java.nio.file.Path;
import java.util.*;
import org.agentrouter.features.QueryTerms;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.training.RelevanceNetwork;
import org.agentrouter.training.RelevanceTrainer;
import org.agentrouter.training.Weights;

/**
 * Round 3's exploration (a command, not a test; figures in bench/results/locomo-study-round3.md): does the context
 * between candidates help the relevance head? The turn next to a strongly matching turn often holds the answer.
 * Like {@link FeatureCandidateStudy}, candidate features go into the columns that never vary on LoCoMo (3-10), on top
 * of the whole layout 3, and the same leave-one-conversation-out folds are run.
 *
 * <p>Variants {@code NAME=COLUMNS} use neighbour features (a), positions within the session from the whole
 * conversation, not only the candidates: 3 best query cosine of the turns at +-1 (from the store) minus the best
 * similarity, 4 the same at +-2, 5 best query coverage at +-1, 6 best C_LEXICAL of a +-1 turn among the candidates,
 * 7 a +-1 turn is among the 5 best dense or lexical hits, 8 1 / (1 + rank of the similarity in its session among the
 * candidates), 9 the session's best C_LEXICAL_RANK, 10 best C_FEEDBACK_SIMILARITY at +-1 minus the best.
 *
 * <p>Variants {@code NAME=pass2:COLUMNS[:insample]} (b): a first head (layout 3) scores every candidate, then a
 * second head reads, in columns 3-8: 3 exp(own score - best score), 4 the best of that over the +-1 turns among the
 * candidates, 5 the same at +-2, 6 the best of another candidate of the session, 7 10 / (10 + rank by first score),
 * 8 the sum at +-1. The first-pass scores of the training conversations come from heads that did not train on them
 * (cross-fitting inside the training fold), unless {@code insample}.
 */
public final class NeighbourStudy {
    private NeighbourStudy() {}

    /** Per conversation: each memory's session list and position in it. */
    record Sessions(Map<String, MemoryRecord> byId, Map<String, List<MemoryRecord>> bySession, Map<String, Integer> position) {
        static Sessions of(LocomoMemories.Corpus c) {
            Map<String, MemoryRecord> byId = new HashMap<>();
            Map<String, List<MemoryRecord>> bySession = new HashMap<>();
            for (MemoryRecord m : c.memories()) {
                byId.put(m.id, m);
                bySession.computeIfAbsent(m.sessionId, s -> new ArrayList<>()).add(m);
            }
            Map<String, Integer> position = new HashMap<>();
            for (List<MemoryRecord> l : bySession.values()) {
                l.sort(Comparator.comparingLong(m -> m.createdAtMs));
                for (int i = 0; i < l.size(); i++) position.put(l.get(i).id, i);
            }
            return new Sessions(byId, bySession, position);
        }

        /** The turns at distance 1..d of the memory, in its session. */
        List<MemoryRecord> around(String id, int d) {
            MemoryRecord m = byId.get(id);
            List<MemoryRecord> l = bySession.get(m.sessionId);
            int p = position.get(id);
            List<MemoryRecord> out = new ArrayList<>();
            for (int j = Math.max(0, p - d); j <= Math.min(l.size() - 1, p + d); j++) if (j != p) out.add(l.get(j));
            return out;
        }
    }

    public static void main(String[] args) throws Exception {
        int k = Integer.getInteger("k", 128);
        int lexicalK = Integer.getInteger("lexicalK", 96);
        int epochs = Integer.getInteger("epochs", 40);
        int hidden = Integer.getInteger("hidden", 32);
        LocomoData.Loaded loaded = LocomoData.load(Path.of(System.getProperty("data", "../shared/data/locomo")));
        List<LocomoMemories.Corpus> corpora = LocomoMemories.corpora(loaded.conversations(), TextEmbeddings.defaultDir());
        List<List<ContextCandidates.Row>> rows = new ArrayList<>();
        List<Sessions> sessions = new ArrayList<>();
        for (LocomoMemories.Corpus c : corpora) {
            Sessions s = Sessions.of(c);
            List<ContextCandidates.Row> rs = ContextCandidates.of(c, k, lexicalK, Integer.getInteger("neighbours", 0));
            for (ContextCandidates.Row r : rs) neighbourColumns(r, s, c.questionVectors()[r.question().index()]);
            rows.add(rs);
            sessions.add(s);
        }
        for (String v : args) {
            String[] nv = v.split("=");
            String[] spec = nv[1].split(":");
            if (spec[0].equals("expand")) {
                // expand:TOP_N:MAX_ADDED:DISTANCE[:flag] (flag: column 3 marks the added rows)
                int topN = Integer.parseInt(spec[1]), maxAdd = Integer.parseInt(spec[2]), dist = Integer.parseInt(spec[3]);
                boolean flag = spec.length > 4;
                List<List<ContextCandidates.Row>> ex = new ArrayList<>();
                for (int g = 0; g < corpora.size(); g++) ex.add(expanded(corpora.get(g), sessions.get(g), k, lexicalK, topN, maxAdd, dist, flag));
                report(nv[0], corpora, ex, columns(flag ? "3" : "-"), hidden, epochs);
            } else if (spec[0].equals("diag")) {
                diagnose(corpora, rows, sessions, hidden, epochs);
            } else if (spec[0].equals("pass2")) {
                runPass2(nv[0], corpora, rows, sessions, columns(spec[1]), spec.length > 2, hidden, epochs);
            } else {
                List<List<ContextCandidates.Row>> copy = copyRows(rows);
                report(nv[0], corpora, copy, columns(spec[0]), hidden, epochs);
            }
        }
    }

    static boolean[] columns(String list) {
        boolean[] add = new boolean[CANDIDATE_WIDTH];
        if (!list.equals("-")) for (String c : list.split(",")) add[Integer.parseInt(c)] = true;
        return add;
    }

    static List<List<ContextCandidates.Row>> copyRows(List<List<ContextCandidates.Row>> rows) {
        List<List<ContextCandidates.Row>> out = new ArrayList<>();
        for (List<ContextCandidates.Row> rs : rows) {
            List<ContextCandidates.Row> c = new ArrayList<>();
            for (ContextCandidates.Row r : rs) {
                c.add(new ContextCandidates.Row(r.corpus(), r.question(), r.evidence(), r.ids(), r.candidates().clone(),
                        r.query(), r.size()));
            }
            out.add(c);
        }
        return out;
    }

    static boolean[] usable(List<RelevanceTrainer.Example> train, boolean[] add) {
        boolean[] cols = RelevanceNetwork.varyingColumns(train);
        for (int c = 3; c <= 10; c++) cols[c] = cols[c] && add[c];
        return cols;
    }

    static List<RelevanceTrainer.Example> examples(List<List<ContextCandidates.Row>> rows, Set<Integer> convs) {
        List<RelevanceTrainer.Example> train = new ArrayList<>();
        for (int g : convs) for (ContextCandidates.Row r : rows.get(g)) train.add(new RelevanceTrainer.Example(r.candidates(), r.labels()));
        return train;
    }

    static Weights train(List<RelevanceTrainer.Example> train, boolean[] add, int hidden, int epochs) {
        RelevanceNetwork net = new RelevanceNetwork(hidden, usable(train, add));
        return RelevanceTrainer.train(net, train, new RelevanceTrainer.Settings(epochs, 32, 0.005f, 1e-4f, 7));
    }

    static float[] scores(Weights w, int hidden, ContextCandidates.Row r) {
        float[] sc = new float[r.size()];
        for (int i = 0; i < r.size(); i++) sc[i] = RelevanceNetwork.score(w, hidden, r.candidates(), i);
        return sc;
    }

    static Set<Integer> others(int n, int... left) {
        Set<Integer> s = new TreeSet<>();
        for (int g = 0; g < n; g++) s.add(g);
        for (int l : left) s.remove(l);
        return s;
    }

    /** Single head, leave one conversation out. */
    static void report(String name, List<LocomoMemories.Corpus> corpora, List<List<ContextCandidates.Row>> rows,
                       boolean[] add, int hidden, int epochs) {
        List<ContextMetrics> folds = new ArrayList<>();
        for (int f = 0; f < corpora.size(); f++) {
            Weights w = train(examples(rows, others(corpora.size(), f)), add, hidden, epochs);
            ContextMetrics m = new ContextMetrics(5, 10, 50, 128);
            for (ContextCandidates.Row r : rows.get(f)) m.add(r.question().category(), ranked(r, scores(w, hidden, r)), r.evidence());
            folds.add(m);
        }
        print(name, folds);
    }

    static void print(String name, List<ContextMetrics> folds) {
        StringBuilder perFold = new StringBuilder();
        for (ContextMetrics m : folds) perFold.append(String.format(Locale.ROOT, " %.3f/%.3f", m.overall().recallAt(5), m.overall().recallAt(10)));
        System.out.printf(Locale.ROOT, "%-14s mean r@5 %s r@10 %s | folds%s%n", name,
                RelevanceStudy.fmt(folds.stream().mapToDouble(x -> x.overall().recallAt(5)).toArray()),
                RelevanceStudy.fmt(folds.stream().mapToDouble(x -> x.overall().recallAt(10)).toArray()), perFold);
        ContextStudy.print("  pooled " + name, ContextMetrics.merge(folds));
        System.out.flush();
    }

    static List<String> ranked(ContextCandidates.Row r, float[] sc) {
        Integer[] order = new Integer[r.size()];
        for (int i = 0; i < r.size(); i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(sc[b], sc[a]));
        List<String> out = new ArrayList<>();
        for (int i : order) out.add(r.ids()[i]);
        return out;
    }

    /** (b): first head on layout 3 (plus the columns of {@code add} below 3 ... none), second head on its scores. */
    static void runPass2(String name, List<LocomoMemories.Corpus> corpora, List<List<ContextCandidates.Row>> rows,
                         List<Sessions> sessions, boolean[] add, boolean inSample, int hidden, int epochs) {
        int n = corpora.size();
        boolean[] none = new boolean[CANDIDATE_WIDTH];
        List<ContextMetrics> first = new ArrayList<>();
        List<ContextMetrics> second = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            Set<Integer> trainConvs = others(n, f);
            Weights head1 = train(examples(rows, trainConvs), none, hidden, epochs);
            // First-pass scores of every conversation, each from a head that never saw it (or in-sample).
            Map<Integer, Weights> scorer = new HashMap<>();
            scorer.put(f, head1);
            for (int g : trainConvs) scorer.put(g, inSample ? head1 : train(examples(rows, others(n, f, g)), none, hidden, epochs));
            List<List<ContextCandidates.Row>> second2 = copyRows(rows);
            for (int g = 0; g < n; g++) {
                for (ContextCandidates.Row r : second2.get(g)) pass2Columns(r, sessions.get(g), scores(scorer.get(g), hidden, r));
            }
            ContextMetrics m1 = new ContextMetrics(5, 10, 50, 128);
            for (ContextCandidates.Row r : rows.get(f)) m1.add(r.question().category(), ranked(r, scores(head1, hidden, r)), r.evidence());
            first.add(m1);
            Weights head2 = train(examples(second2, trainConvs), add, hidden, epochs);
            ContextMetrics m2 = new ContextMetrics(5, 10, 50, 128);
            for (ContextCandidates.Row r : second2.get(f)) m2.add(r.question().category(), ranked(r, scores(head2, hidden, r)), r.evidence());
            second.add(m2);
            System.out.printf(Locale.ROOT, "  fold %d: first %.3f/%.3f second %.3f/%.3f%n", f, m1.overall().recallAt(5),
                    m1.overall().recallAt(10), m2.overall().recallAt(5), m2.overall().recallAt(10));
        }
        print(name + "-first", first);
        print(name, second);
    }

    /** Columns 3-8 from first-pass scores (see the class comment). */
    static void pass2Columns(ContextCandidates.Row r, Sessions s, float[] sc) {
        float[] x = r.candidates();
        int n = r.size();
        float top = Float.NEGATIVE_INFINITY;
        for (float v : sc) top = Math.max(top, v);
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < n; i++) index.put(r.ids()[i], i);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(sc[b], sc[a]));
        int[] rank = new int[n];
        for (int p = 0; p < n; p++) rank[order[p]] = p;
        float[] rel = new float[n];
        for (int i = 0; i < n; i++) rel[i] = (float) Math.exp(sc[i] - top);
        for (int i = 0; i < n; i++) {
            int row = i * CANDIDATE_WIDTH;
            float b1 = 0, b2 = 0, sum1 = 0, sess = 0;
            for (MemoryRecord m : s.around(r.ids()[i], 2)) {
                Integer j = index.get(m.id);
                if (j == null) continue;
                boolean adjacent = Math.abs(s.position().get(m.id) - s.position().get(r.ids()[i])) == 1;
                if (adjacent) { b1 = Math.max(b1, rel[j]); sum1 += rel[j]; }
                b2 = Math.max(b2, rel[j]);
            }
            String session = s.byId().get(r.ids()[i]).sessionId;
            for (int j = 0; j < n; j++) if (j != i && s.byId().get(r.ids()[j]).sessionId.equals(session)) sess = Math.max(sess, rel[j]);
            x[row + 3] = rel[i];
            x[row + 4] = b1;
            x[row + 5] = b2;
            x[row + 6] = sess;
            x[row + 7] = 10f / (10f + rank[i]);
            x[row + 8] = Math.min(2f, sum1);
            x[row + 9] = 0;
            x[row + 10] = 0;
        }
    }

    /** (a): columns 3-10 from the turns around each candidate (see the class comment). */
    static void neighbourColumns(ContextCandidates.Row r, Sessions s, float[] query) {
        float[] x = r.candidates();
        int n = r.size();
        Map<String, Integer> index = new HashMap<>();
        float top = Float.NEGATIVE_INFINITY;
        float bestFeedback = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            index.put(r.ids()[i], i);
            top = Math.max(top, x[i * CANDIDATE_WIDTH + C_SIMILARITY]);
            bestFeedback = Math.max(bestFeedback, x[i * CANDIDATE_WIDTH + C_FEEDBACK_SIMILARITY]);
        }
        QueryTerms terms = new QueryTerms().read(r.question().text());
        Set<Integer> topHits = new HashSet<>();
        for (int i = 0; i < n; i++) {
            float d = x[i * CANDIDATE_WIDTH + C_DENSE_RANK], l = x[i * CANDIDATE_WIDTH + C_LEXICAL_RANK];
            if (d >= 10f / 15f - 1e-6 || l >= 10f / 15f - 1e-6) topHits.add(i); // rank 0..4
        }
        Map<String, Integer> sessionRankDenom = new HashMap<>();
        for (int i = 0; i < n; i++) {
            int row = i * CANDIDATE_WIDTH;
            String id = r.ids()[i];
            float c1 = -1, c2 = -1, cover1 = 0, lex1 = 0, top1 = 0, fb1 = -1;
            for (MemoryRecord m : s.around(id, 2)) {
                boolean adjacent = Math.abs(s.position().get(m.id) - s.position().get(id)) == 1;
                float cos = FeatureCandidateStudy.cos(query, m.embedding) - top;
                c2 = Math.max(c2, cos);
                if (!adjacent) continue;
                c1 = Math.max(c1, cos);
                cover1 = Math.max(cover1, terms.coverage(m.text));
                Integer j = index.get(m.id);
                if (j != null) {
                    lex1 = Math.max(lex1, x[j * CANDIDATE_WIDTH + C_LEXICAL]);
                    if (topHits.contains(j)) top1 = 1;
                    fb1 = Math.max(fb1, x[j * CANDIDATE_WIDTH + C_FEEDBACK_SIMILARITY] - bestFeedback);
                }
            }
            String session = s.byId().get(id).sessionId;
            int above = 0;
            float sessLexRank = x[row + C_LEXICAL_RANK];
            for (int j = 0; j < n; j++) {
                if (j == i || !s.byId().get(r.ids()[j]).sessionId.equals(session)) continue;
                if (x[j * CANDIDATE_WIDTH + C_SIMILARITY] > x[row + C_SIMILARITY]) above++;
                sessLexRank = Math.max(sessLexRank, x[j * CANDIDATE_WIDTH + C_LEXICAL_RANK]);
            }
            x[row + 3] = Math.max(-1f, c1);
            x[row + 4] = Math.max(-1f, c2);
            x[row + 5] = cover1;
            x[row + 6] = lex1;
            x[row + 7] = top1;
            x[row + 8] = 1f / (1 + above);
            x[row + 9] = sessLexRank;
            x[row + 10] = fb1;
        }
    }

    /**
     * (c)'s question: where is the evidence the base head does not put in its top 10? Counts evidence turns missing
     * from the candidates and those present but ranked past 10, and how many of each lie within +-1 / +-2 turns of the
     * head's top 5 / top 10 (what expanding the candidates around the best hits could reach).
     */
    static void diagnose(List<LocomoMemories.Corpus> corpora, List<List<ContextCandidates.Row>> rows, List<Sessions> sessions,
                         int hidden, int epochs) {
        boolean[] none = new boolean[CANDIDATE_WIDTH];
        int[] missing = new int[5], late = new int[5]; // [0] all, [1] +-1 of top5, [2] +-2 of top5, [3] +-1 of top10, [4] +-2 of top10
        int total = 0, inTop10 = 0;
        for (int f = 0; f < corpora.size(); f++) {
            Weights w = train(examples(rows, others(corpora.size(), f)), none, hidden, epochs);
            Sessions s = sessions.get(f);
            for (ContextCandidates.Row r : rows.get(f)) {
                List<String> ranked = ranked(r, scores(w, hidden, r));
                Set<String> cands = new HashSet<>(ranked);
                Set<String>[] near = new Set[5];
                for (int a = 1; a < 5; a++) near[a] = new HashSet<>();
                for (int p = 0; p < Math.min(10, ranked.size()); p++) {
                    for (MemoryRecord m : s.around(ranked.get(p), 2)) {
                        boolean adj = Math.abs(s.position().get(m.id) - s.position().get(ranked.get(p))) == 1;
                        if (p < 5) { if (adj) near[1].add(m.id); near[2].add(m.id); }
                        if (adj) near[3].add(m.id);
                        near[4].add(m.id);
                    }
                }
                Set<String> top10 = new HashSet<>(ranked.subList(0, Math.min(10, ranked.size())));
                for (String e : r.evidence()) {
                    if (!s.byId().containsKey(e)) continue;
                    total++;
                    int[] bucket;
                    if (top10.contains(e)) { inTop10++; continue; }
                    bucket = cands.contains(e) ? late : missing;
                    bucket[0]++;
                    for (int a = 1; a < 5; a++) if (near[a].contains(e)) bucket[a]++;
                }
            }
        }
        System.out.printf(Locale.ROOT, "evidence turns %d, in the head's top 10 %d%n", total, inTop10);
        System.out.printf(Locale.ROOT, "not a candidate %d: +-1 of top5 %d, +-2 of top5 %d, +-1 of top10 %d, +-2 of top10 %d%n",
                missing[0], missing[1], missing[2], missing[3], missing[4]);
        System.out.printf(Locale.ROOT, "candidate past 10 %d: +-1 of top5 %d, +-2 of top5 %d, +-1 of top10 %d, +-2 of top10 %d%n",
                late[0], late[1], late[2], late[3], late[4]);
    }

    /**
     * (c): the job's hybrid candidates, then the turns within {@code dist} of the {@code topN} best dense and lexical
     * hits that are not candidates yet are added (at most {@code maxAdd}, the closest to the best hits first),
     * dropping the candidates of lowest RRF score to stay within k; features assembled as the job does.
     */
    static List<ContextCandidates.Row> expanded(LocomoMemories.Corpus corpus, Sessions s, int k, int lexicalK, int topN,
                                                int maxAdd, int dist, boolean flag) {
        List<ContextCandidates.Row> rows = new ArrayList<>();
        try (org.agentrouter.memory.index.LiveMemoryIndex index = new org.agentrouter.memory.index.LiveMemoryIndex(
                org.agentrouter.memory.index.IndexSettings.of(4));
             org.agentrouter.memory.lexical.LexicalIndex lexical = new org.agentrouter.memory.lexical.LexicalIndex()) {
            for (MemoryRecord m : corpus.memories()) {
                index.upsert(m);
                lexical.upsert(corpus.namespace(), m.id, m.text, true);
            }
            org.agentrouter.memory.index.HybridSearch hybrid = new org.agentrouter.memory.index.HybridSearch(index, lexical, MAX_CANDIDATES, lexicalK);
            org.agentrouter.features.ContextFeatures context = new org.agentrouter.features.ContextFeatures();
            org.agentrouter.memory.CandidateSet got = new org.agentrouter.memory.CandidateSet(MAX_CANDIDATES);
            long asOf = corpus.conversation().asOfMs();
            for (LocomoData.Question q : corpus.conversation().questions()) {
                if (!ContextCandidates.scored(q)) continue;
                float[] qv = corpus.questionVectors()[q.index()];
                hybrid.topK(corpus.namespace(), qv, q.text(), k, null, got);
                int n = got.size();
                Set<String> have = new HashSet<>();
                double[] rrf = new double[n];
                for (int i = 0; i < n; i++) {
                    have.add(got.ids[i]);
                    rrf[i] = (got.denseRank[i] >= 0 ? 1.0 / (61 + got.denseRank[i]) : 0) + (got.lexicalRank[i] >= 0 ? 1.0 / (61 + got.lexicalRank[i]) : 0);
                }
                // Sources: the best hits by rank (dense rank r and lexical rank r alternate).
                List<Integer> sources = new ArrayList<>();
                for (int rank = 0; rank < topN; rank++) {
                    for (int i = 0; i < n; i++) if (got.denseRank[i] == rank && !sources.contains(i)) sources.add(i);
                    for (int i = 0; i < n; i++) if (got.lexicalRank[i] == rank && !sources.contains(i)) sources.add(i);
                }
                List<MemoryRecord> added = new ArrayList<>();
                for (int d = 1; d <= dist; d++) {
                    for (int src : sources) {
                        for (MemoryRecord m : s.around(got.ids[src], d)) {
                            if (added.size() >= maxAdd || have.contains(m.id)) continue;
                            have.add(m.id);
                            added.add(m);
                        }
                    }
                }
                Integer[] byRrf = new Integer[n];
                for (int i = 0; i < n; i++) byRrf[i] = i;
                Arrays.sort(byRrf, (a, b) -> Double.compare(rrf[b], rrf[a]));
                int keep = Math.min(n, k - added.size());
                boolean[] kept = new boolean[n];
                for (int t = 0; t < keep; t++) kept[byRrf[t]] = true;
                // Final rows ordered by cosine, best first (the kept rows already are).
                List<Object[]> all = new ArrayList<>();
                for (int i = 0; i < n; i++) if (kept[i]) all.add(new Object[] {got.similarity[i], i, null});
                for (MemoryRecord m : added) all.add(new Object[] {FeatureCandidateStudy.cos(qv, m.embedding), -1, m});
                all.sort((a, b) -> Float.compare((Float) b[0], (Float) a[0]));
                org.agentrouter.memory.CandidateSet c = new org.agentrouter.memory.CandidateSet(MAX_CANDIDATES);
                boolean[] isAdded = new boolean[all.size()];
                for (int t = 0; t < all.size(); t++) {
                    Object[] o = all.get(t);
                    int i = (Integer) o[1];
                    if (i >= 0) {
                        int r = c.add(got.ids[i], got.similarity[i]);
                        c.createdAtMs[r] = got.createdAtMs[i];
                        c.sessionId[r] = got.sessionId[i];
                        c.kind[r] = got.kind[i];
                        c.text[r] = got.text[i];
                        c.vector[r] = got.vector[i];
                        c.confidence[r] = got.confidence[i];
                        c.lexicalScore[r] = got.lexicalScore[i];
                        c.lexicalRank[r] = got.lexicalRank[i];
                        c.denseRank[r] = got.denseRank[i];
                    } else {
                        MemoryRecord m = (MemoryRecord) o[2];
                        int r = c.add(m.id, (Float) o[0]);
                        c.createdAtMs[r] = m.createdAtMs;
                        c.sessionId[r] = m.sessionId;
                        c.text[r] = m.text;
                        c.vector[r] = m.embedding;
                        c.confidence[r] = m.confidence;
                        c.denseRank[r] = -1;
                        isAdded[t] = true;
                    }
                }
                float[] cand = new float[MAX_CANDIDATES * CANDIDATE_WIDTH];
                float[] qf = new float[QUERY_WIDTH];
                int m = org.agentrouter.features.FeatureAssembler.candidates(c, asOf, null, null, cand);
                context.fill(c, m, q.text(), cand);
                org.agentrouter.features.FeatureAssembler.query(qv, q.text(), m, qf);
                if (flag) for (int t = 0; t < m; t++) cand[t * CANDIDATE_WIDTH + 3] = isAdded[t] ? 1f : 0f;
                Set<String> evidence = new HashSet<>();
                for (String e : q.evidence()) evidence.add(corpus.memoryId(e));
                rows.add(new ContextCandidates.Row(corpus, q, evidence, Arrays.copyOf(c.ids, m), cand, qf, m));
            }
        }
        return rows;
    }
}
