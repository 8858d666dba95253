package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.agentrouter.modelbuild.TrainedRouterGraphs;

/**
 * FastGRNN (Kusupati et al., NeurIPS 2018) over the top {@code steps} candidates, least similar first:
 * gate and update share W and U, both low rank (W = W1 W2, U = U1 U2), and sparse (iterative hard
 * thresholding, as in the paper: dense for the first half of the epochs, then only the largest
 * {@code density} share of each factor's entries may be non-zero). zeta and nu are kept in (0, 1) by a
 * sigmoid of trained scalars. Plus the relevance head and attention vote of
 * {@link TrainedRouterGraphs.FastGrnn}, which also gives the relevance output the contract asks for.
 */
public final class FastGrnnNetwork implements RouterNetwork {
    private static final String[] SPARSE = {"w1", "w2", "u1", "u2"};

    private final int hidden;
    private final int rankW;
    private final int rankU;
    private final int steps;
    private final double density;

    public FastGrnnNetwork(int hidden, int rankW, int rankU, int steps, double density) {
        this.hidden = hidden;
        this.rankW = rankW;
        this.rankU = rankU;
        this.steps = steps;
        this.density = density;
    }

    @Override
    public String name() {
        return "fastgrnn-router";
    }

    @Override
    public Weights initialWeights(Random random) {
        return new Weights()
                .addGlorot("w1", random, CANDIDATE_WIDTH, rankW)
                .addGlorot("w2", random, rankW, hidden)
                .addGlorot("u1", random, hidden, rankU)
                .addGlorot("u2", random, rankU, hidden)
                // The paper's initialisation: the gate starts open (bias 1), zeta ~ 1 and nu ~ 0.
                .addConstant("bias_gate", 1f, hidden)
                .addConstant("bias_update", 0f, hidden)
                .addConstant("zeta_raw", 1f, 1)
                .addConstant("nu_raw", -4f, 1)
                .addGlorot("out", random, hidden, 1)
                .addConstant("out_bias", 0f, 1)
                // Zero relevance to start: a uniform vote of the candidates, the kNN baseline, scaled by 1.
                .addConstant("relevance", 0f, CANDIDATE_WIDTH, 1)
                .addConstant("relevance_bias", 0f, 1)
                .addConstant("vote_scale", 1f, 1);
    }

    @Override
    public NDArray logit(Map<String, NDArray> w, NDArray x, NDArray query) {
        long batch = x.getShape().get(0);
        NDArray head = x.get(":, 0:" + steps + ", :");
        NDArray projected = head.matMul(w.get("w1")).matMul(w.get("w2"));             // [B, steps, H]
        NDArray u = w.get("u1").matMul(w.get("u2"));
        NDArray zeta = Activation.sigmoid(w.get("zeta_raw"));
        NDArray nu = Activation.sigmoid(w.get("nu_raw"));
        NDArray h = x.getManager().zeros(new Shape(batch, hidden));
        for (int t = steps - 1; t >= 0; t--) {
            NDArray pre = projected.get(":, " + t + ", :").add(h.matMul(u));
            NDArray z = Activation.sigmoid(pre.add(w.get("bias_gate")));
            NDArray c = Activation.tanh(pre.add(w.get("bias_update")));
            h = z.mul(h.sub(c.mul(zeta))).add(c.mul(zeta.add(nu)));
        }
        NDArray r = x.matMul(w.get("relevance")).squeeze(2).add(w.get("relevance_bias"));
        NDArray attention = r.add(Masks.paddingLogit(x)).softmax(1);
        NDArray vote = attention.mul(Masks.gain(x)).sum(new int[] {1});
        return h.matMul(w.get("out")).squeeze(1).add(w.get("out_bias")).add(vote.mul(w.get("vote_scale")));
    }

    @Override
    public void constrain(Weights w, int epoch, int epochs) {
        if (density >= 1.0 || epoch < epochs / 2) return;
        for (String name : SPARSE) keepLargest(w.get(name), density);
    }

    /** Zeroes all but the ceil(density * n) largest-magnitude entries (ties kept). */
    static void keepLargest(float[] v, double density) {
        int keep = (int) Math.ceil(density * v.length);
        if (keep >= v.length) return;
        float[] magnitudes = new float[v.length];
        for (int i = 0; i < v.length; i++) magnitudes[i] = Math.abs(v[i]);
        Arrays.sort(magnitudes);
        float floor = magnitudes[v.length - keep];
        for (int i = 0; i < v.length; i++) if (Math.abs(v[i]) < floor) v[i] = 0f;
    }

    @Override
    public byte[] onnx(Weights w, boolean int8, Map<String, String> metadata) {
        float zeta = sigmoid(w.scalar("zeta_raw"));
        float nu = sigmoid(w.scalar("nu_raw"));
        return TrainedRouterGraphs.fastGrnn(new TrainedRouterGraphs.FastGrnn(hidden, steps,
                product(w.get("w1"), w.get("w2"), CANDIDATE_WIDTH, rankW, hidden),
                product(w.get("u1"), w.get("u2"), hidden, rankU, hidden),
                w.get("bias_gate"), w.get("bias_update"), zeta, nu, w.get("out"), w.scalar("out_bias"),
                w.get("relevance"), w.scalar("relevance_bias"), w.scalar("vote_scale")), int8, metadata);
    }

    /** Float32 sigmoid as PyTorch computes it for a scalar (to 1 ulp). */
    private static float sigmoid(float v) {
        return (float) (1.0 / (1.0 + Math.exp(-v)));
    }

    /** [n x k] times [k x m], row-major. */
    static float[] product(float[] a, float[] b, int n, int k, int m) {
        float[] out = new float[n * m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int l = 0; l < k; l++) s += a[i * k + l] * (double) b[l * m + j];
                out[i * m + j] = (float) s;
            }
        }
        return out;
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> d = new TreeMap<>();
        d.put("architecture", "FastGRNN over the top candidates (least similar first) + attention vote over all");
        d.put("hidden", Integer.toString(hidden));
        d.put("rank_w", Integer.toString(rankW));
        d.put("rank_u", Integer.toString(rankU));
        d.put("steps", Integer.toString(steps));
        d.put("density", Double.toString(density));
        return d;
    }
}
