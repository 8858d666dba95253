package org.agentrouter.locomo;

import static org.agentrouter.features.FeatureLayout.*;

import java.nio.file.Path;
import java.util.*;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.training.RelevanceNetwork;
import org.agentrouter.training.RelevanceTrainer;
import org.agentrouter.training.Weights;

/**
 * Round 2's exploration of feature candidates for the relevance head (a command, not a test; figures in
 * bench/results/locomo-study-round2.md). Candidate features are written into the candidate columns that never vary on
 * LoCoMo (3-10: confidence, use count, tags, same session, success, outcomes: constant without feedback, so the head
 * gives them no weight), so that they can be tried on the job's own candidate rows without a new layout; layout 3's
 * columns (26-28) are left out unless a variant names them, so the variants compare with layout 2. Columns: 3 query
 * coverage, 4 cosine to the mean of the 5 best dense hits, 5 the same for the 5 best BM25 hits, 6 best cosine to the
 * top 3 of either side, 7 column 4's gap to its best, 8 query terms / 10, 9 coverage gap to the best, 10 unused.
 * Arguments: variants NAME=COLUMNS[/SEEDS] (COLUMNS a comma list or -, SEEDS an ensemble of summed scores);
 * properties k (128), lexicalK (96), hidden (32), epochs (40).
 */
public final class FeatureCandidateStudy {
    static final Set<String> STOP = Set.of("a", "an", "the", "of", "to", "in", "on", "at", "for", "and", "or", "is", "are",
            "was", "were", "be", "been", "did", "does", "do", "what", "when", "where", "who", "whom", "which", "why", "how",
            "has", "have", "had", "with", "by", "from", "as", "that", "this", "it", "its", "he", "she", "they", "his", "her",
            "their", "would", "could", "should", "will", "can", "about", "some", "any", "kind", "kinds", "type", "types",
            "s", "i", "you", "we", "me", "my", "your", "our", "not", "no", "yes", "if", "than", "then", "so", "also", "both");

    static List<String> terms(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.toLowerCase(Locale.ROOT).split("[^a-z0-9]+")) {
            if (w.isEmpty() || STOP.contains(w)) continue;
            out.add(stem(w));
        }
        return out;
    }

    static String stem(String w) {
        if (w.length() > 4 && w.endsWith("ing")) w = w.substring(0, w.length() - 3);
        else if (w.length() > 3 && w.endsWith("ed")) w = w.substring(0, w.length() - 2);
        else if (w.length() > 3 && w.endsWith("es")) w = w.substring(0, w.length() - 2);
        else if (w.length() > 3 && w.endsWith("s")) w = w.substring(0, w.length() - 1);
        return w;
    }

    public static void main(String[] args) throws Exception {
        int k = Integer.getInteger("k", 128);
        int lexicalK = Integer.getInteger("lexicalK", 96);
        int epochs = Integer.getInteger("epochs", 40);
        int hidden = Integer.getInteger("hidden", 32);
        LocomoData.Loaded loaded = LocomoData.load(Path.of(System.getProperty("data", "../shared/data/locomo")));
        List<LocomoMemories.Corpus> corpora = LocomoMemories.corpora(loaded.conversations(), TextEmbeddings.defaultDir());
        List<List<ContextCandidates.Row>> rows = new ArrayList<>();
        for (LocomoMemories.Corpus c : corpora) {
            List<ContextCandidates.Row> rs = ContextCandidates.of(c, k, lexicalK, 0); // round 2: no session neighbours
            Map<String, MemoryRecord> byId = new HashMap<>();
            for (MemoryRecord m : c.memories()) byId.put(m.id, m);
            for (ContextCandidates.Row r : rs) extra(r, byId);
            rows.add(rs);
        }
        // variants: name=cols-to-add(list of 3..10)/seeds
        for (String v : args) {
            String[] nv = v.split("=");
            String[] cs = nv[1].split("/");
            boolean[] add = new boolean[CANDIDATE_WIDTH];
            if (!cs[0].equals("-")) for (String c : cs[0].split(",")) add[Integer.parseInt(c)] = true;
            int seeds = cs.length > 1 ? Integer.parseInt(cs[1]) : 1;
            run(nv[0], corpora, rows, add, seeds, hidden, epochs);
        }
    }

    static void run(String name, List<LocomoMemories.Corpus> corpora, List<List<ContextCandidates.Row>> rows, boolean[] add,
                    int seeds, int hidden, int epochs) {
        List<ContextMetrics> folds = new ArrayList<>();
        StringBuilder perFold = new StringBuilder();
        for (int f = 0; f < corpora.size(); f++) {
            List<RelevanceTrainer.Example> train = new ArrayList<>();
            for (int g = 0; g < corpora.size(); g++) {
                if (g == f) continue;
                for (ContextCandidates.Row r : rows.get(g)) train.add(new RelevanceTrainer.Example(r.candidates(), r.labels()));
            }
            boolean[] cols = RelevanceNetwork.varyingColumns(train);
            for (int c = 3; c <= 10; c++) cols[c] = cols[c] && add[c];
            for (int c = V2_CANDIDATE_WIDTH; c < CANDIDATE_WIDTH; c++) cols[c] = cols[c] && add[c];
            List<Weights> ws = new ArrayList<>();
            RelevanceNetwork net = new RelevanceNetwork(hidden, cols);
            for (int s = 0; s < seeds; s++) {
                ws.add(RelevanceTrainer.train(net, train, new RelevanceTrainer.Settings(epochs, 32, 0.005f, 1e-4f, 7 + s)));
            }
            ContextMetrics m = new ContextMetrics(5, 10, 50, 128);
            for (ContextCandidates.Row r : rows.get(f)) {
                float[] sc = new float[r.size()];
                Integer[] order = new Integer[r.size()];
                for (int i = 0; i < r.size(); i++) {
                    for (Weights w : ws) sc[i] += RelevanceNetwork.score(w, hidden, r.candidates(), i);
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> Float.compare(sc[b], sc[a]));
                List<String> ranked = new ArrayList<>();
                for (int i : order) ranked.add(r.ids()[i]);
                m.add(r.question().category(), ranked, r.evidence());
            }
            folds.add(m);
            perFold.append(String.format(Locale.ROOT, " %.3f/%.3f", m.overall().recallAt(5), m.overall().recallAt(10)));
        }
        ContextMetrics all = ContextMetrics.merge(folds);
        System.out.printf(Locale.ROOT, "%-14s mean r@5 %s r@10 %s | folds%s%n", name,
                RelevanceStudy.fmt(folds.stream().mapToDouble(x -> x.overall().recallAt(5)).toArray()),
                RelevanceStudy.fmt(folds.stream().mapToDouble(x -> x.overall().recallAt(10)).toArray()), perFold);
        ContextStudy.print("  pooled " + name, all);
        System.out.flush();
    }

    /** Fills columns 3-10 with candidate features. */
    static void extra(ContextCandidates.Row r, Map<String, MemoryRecord> byId) {
        float[] x = r.candidates();
        int n = r.size();
        String q = r.question().text();
        List<String> qt = new ArrayList<>(new LinkedHashSet<>(terms(q)));
        String ql = q.toLowerCase(Locale.ROOT);
        boolean hypothetical = ql.startsWith("would") || ql.startsWith("could") || ql.contains(" likely") || ql.startsWith("is it")
                || ql.contains(" might ") || ql.startsWith("does ") || ql.startsWith("do ") || ql.startsWith("is ") || ql.startsWith("are ");
        org.agentrouter.features.QuerySignals sig = new org.agentrouter.features.QuerySignals().read(q);
        MemoryRecord[] recs = new MemoryRecord[n];
        float[] cover = new float[n];
        for (int i = 0; i < n; i++) {
            recs[i] = byId.get(r.ids()[i]);
            Set<String> mt = new HashSet<>(terms(recs[i].text));
            int hit = 0;
            for (String t : qt) if (mt.contains(t)) hit++;
            cover[i] = qt.isEmpty() ? 0 : hit / (float) qt.size();
        }
        float[] cd = centroid(x, recs, n, C_DENSE_RANK, 5);
        float[] cl = centroid(x, recs, n, C_LEXICAL_RANK, 5);
        int[] tops = topBy(x, n, C_DENSE_RANK, 3);
        int[] topl = topBy(x, n, C_LEXICAL_RANK, 3);
        float maxCover = 0;
        for (int i = 0; i < n; i++) maxCover = Math.max(maxCover, cover[i]);
        float bestCd = -2;
        float[] vcd = new float[n];
        for (int i = 0; i < n; i++) { vcd[i] = cos(recs[i].embedding, cd); bestCd = Math.max(bestCd, vcd[i]); }
        for (int i = 0; i < n; i++) {
            int row = i * CANDIDATE_WIDTH;
            float mx = -1;
            for (int t : tops) if (t >= 0 && t != i) mx = Math.max(mx, cos(recs[i].embedding, recs[t].embedding));
            for (int t : topl) if (t >= 0 && t != i) mx = Math.max(mx, cos(recs[i].embedding, recs[t].embedding));
            x[row + 3] = cover[i];
            x[row + 4] = vcd[i];
            x[row + 5] = cl == null ? 0 : cos(recs[i].embedding, cl);
            x[row + 6] = mx;
            x[row + 7] = vcd[i] - bestCd;
            x[row + 8] = Math.min(1f, qt.size() / 10f);
            x[row + 9] = cover[i] - maxCover;
            x[row + 10] = 0;
        }
    }

    static int[] topBy(float[] x, int n, int col, int m) {
        int[] out = new int[m];
        Arrays.fill(out, -1);
        float[] v = new float[m];
        for (int i = 0; i < n; i++) {
            float s = x[i * CANDIDATE_WIDTH + col];
            if (s <= 0) continue;
            for (int a = 0; a < m; a++) {
                if (out[a] < 0 || s > v[a]) {
                    for (int b = m - 1; b > a; b--) { out[b] = out[b - 1]; v[b] = v[b - 1]; }
                    out[a] = i; v[a] = s; break;
                }
            }
        }
        return out;
    }

    static float[] centroid(float[] x, MemoryRecord[] recs, int n, int col, int m) {
        int[] t = topBy(x, n, col, m);
        float[] c = null;
        for (int i : t) {
            if (i < 0) continue;
            if (c == null) c = new float[recs[i].embedding.length];
            for (int d = 0; d < c.length; d++) c[d] += recs[i].embedding[d];
        }
        return c;
    }

    static float cos(float[] a, float[] b) {
        if (b == null) return 0;
        double d = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return (float) (d / Math.sqrt(na * nb + 1e-12));
    }
}
