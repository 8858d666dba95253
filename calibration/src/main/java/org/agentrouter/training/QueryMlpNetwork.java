package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.EMBEDDING_DIM;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.Map;
import java.util.Random;
import org.agentrouter.modelbuild.TrainedRouterGraphs;

/**
 * The third baseline: a logistic regression (hidden = 0) or a one-layer MLP on the query row (the
 * query embedding plus its text signals) and the mean of the present candidate rows. The mean of the
 * outcome columns is the uniform kNN gain vote, so this model can reproduce the vote and move it with what
 * the query itself says. See {@link TrainedRouterGraphs.QueryMlp} for the exported graph.
 */
public final class QueryMlpNetwork implements RouterNetwork {
    /**
     * The embedding's columns are multiplied by sqrt(dim) before the first layer: a unit vector's components
     * are ~1/sqrt(dim), which would leave them hundreds of times smaller than the other inputs and make
     * Adam's steps on their weights far too small. The export folds the factor into the weights.
     */
    static final float EMBEDDING_SCALE = (float) Math.sqrt(EMBEDDING_DIM);
    /** Per query column: EMBEDDING_SCALE on the embedding, 1 on the text signals. */
    private static final float[] INPUT_SCALE = inputScale();

    private final int hidden;

    /** @param hidden 0 for a logistic regression on the concatenated inputs */
    public QueryMlpNetwork(int hidden) {
        if (hidden < 0) throw new IllegalArgumentException("hidden must be >= 0, got " + hidden);
        this.hidden = hidden;
    }

    @Override
    public String name() {
        return hidden == 0 ? "query-logistic-router" : "query-mlp-router";
    }

    @Override
    public boolean readsQuery() {
        return true;
    }

    @Override
    public Weights initialWeights(Random random) {
        int width = Math.max(hidden, 1);
        Weights w = new Weights()
                .addGlorot("w_query", random, QUERY_WIDTH, width)
                .addGlorot("w_candidates", random, CANDIDATE_WIDTH, width);
        if (hidden == 0) return w.addConstant("out_bias", 0f, 1);
        return w.addConstant("b1", 0f, hidden)
                .addGlorot("out", random, hidden, 1)
                .addConstant("out_bias", 0f, 1);
    }

    @Override
    public NDArray logit(Map<String, NDArray> w, NDArray x, NDArray query) {
        NDArray sums = x.sum(new int[] {1});                                   // [B, W]; padding rows are zero
        NDArray count = sums.get(":, " + C_PRESENT).maximum(1f).expandDims(1); // [B, 1]
        NDArray pre = query.mul(x.getManager().create(INPUT_SCALE)).matMul(w.get("w_query")).add(sums.div(count).matMul(w.get("w_candidates")));
        if (hidden == 0) return pre.squeeze(1).add(w.get("out_bias"));
        NDArray h = Activation.relu(pre.add(w.get("b1")));
        return h.matMul(w.get("out")).squeeze(1).add(w.get("out_bias"));
    }

    @Override
    public byte[] onnx(Weights w, boolean int8, Map<String, String> metadata) {
        int width = Math.max(hidden, 1);
        float[] wQuery = w.get("w_query").clone();
        for (int r = 0; r < QUERY_WIDTH; r++) {
            for (int c = 0; c < width; c++) wQuery[r * width + c] *= INPUT_SCALE[r];
        }
        return TrainedRouterGraphs.queryMlp(new TrainedRouterGraphs.QueryMlp(hidden, wQuery,
                w.get("w_candidates"), hidden == 0 ? null : w.get("b1"), hidden == 0 ? null : w.get("out"),
                w.scalar("out_bias")), int8, metadata);
    }

    private static float[] inputScale() {
        float[] scale = new float[QUERY_WIDTH];
        java.util.Arrays.fill(scale, 1f);
        java.util.Arrays.fill(scale, 0, EMBEDDING_DIM, EMBEDDING_SCALE);
        return scale;
    }

    @Override
    public Map<String, String> describe() {
        return Map.of("architecture", hidden == 0
                        ? "logistic regression on the query row and the mean candidate row"
                        : "MLP (relu) on the query row and the mean candidate row",
                "hidden", Integer.toString(hidden));
    }
}
