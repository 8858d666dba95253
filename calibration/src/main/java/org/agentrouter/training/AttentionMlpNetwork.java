package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.util.Map;
import java.util.Random;
import org.agentrouter.modelbuild.TrainedRouterGraphs;

/** The per-candidate MLP with attention pooling of {@link TrainedRouterGraphs.AttentionMlp}. */
public final class AttentionMlpNetwork implements RouterNetwork {
    private final int hidden;

    public AttentionMlpNetwork(int hidden) {
        this.hidden = hidden;
    }

    @Override
    public String name() {
        return "attention-mlp-router";
    }

    @Override
    public Weights initialWeights(Random random) {
        return new Weights()
                .addGlorot("w1", random, CANDIDATE_WIDTH, hidden)
                .addConstant("b1", 0f, hidden)
                // Zero attention to start: uniform weights over the candidates, a plain mean.
                .addConstant("attention", 0f, hidden, 1)
                .addConstant("attention_bias", 0f, 1)
                .addGlorot("out", random, hidden, 1)
                .addConstant("out_bias", 0f, 1);
    }

    @Override
    public NDArray logit(Map<String, NDArray> w, NDArray x, NDArray query) {
        NDArray h = Activation.relu(x.matMul(w.get("w1")).add(w.get("b1")));           // [B, 128, H]
        NDArray r = h.matMul(w.get("attention")).squeeze(2).add(w.get("attention_bias")); // [B, 128]
        NDArray attention = r.add(Masks.paddingLogit(x)).softmax(1);
        NDArray pooled = attention.expandDims(2).mul(h).sum(new int[] {1});             // [B, H]
        return pooled.matMul(w.get("out")).squeeze(1).add(w.get("out_bias"));
    }

    @Override
    public byte[] onnx(Weights w, boolean int8, Map<String, String> metadata) {
        return TrainedRouterGraphs.attentionMlp(new TrainedRouterGraphs.AttentionMlp(hidden, w.get("w1"), w.get("b1"),
                w.get("attention"), w.scalar("attention_bias"), w.get("out"), w.scalar("out_bias")), int8, metadata);
    }

    @Override
    public Map<String, String> describe() {
        return Map.of("architecture", "per-candidate MLP (relu) with attention pooling", "hidden", Integer.toString(hidden));
    }
}
