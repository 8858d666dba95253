package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * The relevance head: one score per candidate row from that row alone, s = relu(x W1 + b1) w2 + b2 (hidden = 0:
 * the linear s = x w2 + b2), and relevance = sigmoid(s) * present. Rows are scored independently, so its cost
 * grows with the candidates, not with any attention between them; what it knows about the other candidates it
 * reads from the context columns (gaps to the best similarity, session support). Trained listwise (a softmax over
 * a query's candidates against its evidence) by {@link RelevanceTrainer}; exported by
 * {@code RelevanceGraph}.
 */
public final class RelevanceNetwork {
    private final int hidden;
    /** Columns the network reads (others get zero weight): all of the layout by default. */
    private final boolean[] columns;

    public RelevanceNetwork(int hidden) {
        this(hidden, allColumns());
    }

    public RelevanceNetwork(int hidden, boolean[] columns) {
        if (hidden < 0) throw new IllegalArgumentException("hidden must be >= 0, got " + hidden);
        if (columns.length != CANDIDATE_WIDTH) throw new IllegalArgumentException("one flag per candidate column");
        this.hidden = hidden;
        this.columns = columns.clone();
        this.columns[C_PRESENT] = false; // the mask, not evidence
    }

    /**
     * The columns that vary over the present rows of {@code examples}: a column that is constant in training (use
     * counts, outcomes, tags on data without feedback) would keep its random initial weight and then move the
     * relevance arbitrarily wherever it does vary in serving, so it gets no weight at all.
     */
    public static boolean[] varyingColumns(java.util.List<RelevanceTrainer.Example> examples) {
        float[] min = new float[CANDIDATE_WIDTH];
        float[] max = new float[CANDIDATE_WIDTH];
        java.util.Arrays.fill(min, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(max, Float.NEGATIVE_INFINITY);
        for (RelevanceTrainer.Example e : examples) {
            float[] x = e.candidates();
            for (int r = 0; r * CANDIDATE_WIDTH < x.length; r++) {
                if (x[r * CANDIDATE_WIDTH + C_PRESENT] == 0f) continue;
                for (int c = 0; c < CANDIDATE_WIDTH; c++) {
                    min[c] = Math.min(min[c], x[r * CANDIDATE_WIDTH + c]);
                    max[c] = Math.max(max[c], x[r * CANDIDATE_WIDTH + c]);
                }
            }
        }
        boolean[] varying = new boolean[CANDIDATE_WIDTH];
        for (int c = 0; c < CANDIDATE_WIDTH; c++) varying[c] = max[c] > min[c];
        return varying;
    }

    /** Columns both wanted and varying. */
    public static boolean[] and(boolean[] a, boolean[] b) {
        boolean[] out = new boolean[a.length];
        for (int i = 0; i < a.length; i++) out[i] = a[i] && b[i];
        return out;
    }

    static boolean[] allColumns() {
        boolean[] all = new boolean[CANDIDATE_WIDTH];
        java.util.Arrays.fill(all, true);
        return all;
    }

    public int hidden() {
        return hidden;
    }

    public boolean[] columns() {
        return columns.clone();
    }

    public Weights initialWeights(Random random) {
        Weights w = new Weights();
        if (hidden > 0) {
            w.addGlorot("w1", random, CANDIDATE_WIDTH, hidden).addConstant("b1", 0f, hidden)
                    .addGlorot("w2", random, hidden, 1).addConstant("b2", 0f, 1);
        } else {
            w.addConstant("w2", 0f, CANDIDATE_WIDTH, 1).addConstant("b2", 0f, 1);
        }
        constrain(w);
        return w;
    }

    /** Zeroes the weights of unused columns (after every step). */
    void constrain(Weights w) {
        float[] first = w.get(hidden > 0 ? "w1" : "w2");
        int width = hidden > 0 ? hidden : 1;
        for (int c = 0; c < CANDIDATE_WIDTH; c++) {
            if (!columns[c]) java.util.Arrays.fill(first, c * width, (c + 1) * width, 0f);
        }
    }

    /** @param x [B, 128, CANDIDATE_WIDTH] @return scores [B, 128] */
    NDArray scores(Map<String, NDArray> w, NDArray x) {
        NDArray h = hidden > 0 ? Activation.relu(x.matMul(w.get("w1")).add(w.get("b1"))) : x;
        return h.matMul(w.get("w2")).squeeze(2).add(w.get("b2"));
    }

    /** The same score for one row in plain Java (evaluation without an engine; tests hold it equal to ONNX). */
    public static float score(Weights w, int hidden, float[] rows, int row) {
        int base = row * CANDIDATE_WIDTH;
        float[] w2 = w.get("w2");
        if (hidden == 0) {
            double s = w.scalar("b2");
            for (int c = 0; c < CANDIDATE_WIDTH; c++) s += rows[base + c] * w2[c];
            return (float) s;
        }
        float[] w1 = w.get("w1");
        float[] b1 = w.get("b1");
        double s = w.scalar("b2");
        for (int j = 0; j < hidden; j++) {
            double a = b1[j];
            for (int c = 0; c < CANDIDATE_WIDTH; c++) a += rows[base + c] * w1[c * hidden + j];
            if (a > 0) s += a * w2[j];
        }
        return (float) s;
    }

    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("architecture", hidden > 0 ? "per-candidate MLP (relu), listwise softmax loss" : "per-candidate linear, listwise softmax loss");
        m.put("hidden", Integer.toString(hidden));
        StringBuilder cols = new StringBuilder();
        for (int c = 0; c < CANDIDATE_WIDTH; c++) if (columns[c]) cols.append(cols.length() == 0 ? "" : ",").append(c);
        m.put("columns", cols.toString());
        return m;
    }
}
