package org.agentrouter.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.agentrouter.features.FeatureLayout;
import org.junit.jupiter.api.Test;

/**
 * The exported ONNX graph is the trained function: a real ONNX Runtime session (the job's OnnxScorer)
 * gives the same p_strong as the PyTorch forward pass, for every network, with padding and short
 * candidate lists; the INT8 variant stays close and is smaller.
 */
class TrainedRouterExportTest {
    private static List<RouterNetwork> networks() {
        return List.of(new AttentionMlpNetwork(16), new FastGrnnNetwork(16, 4, 4, 8, 0.5), new QueryMlpNetwork(0),
                new QueryMlpNetwork(8));
    }

    /**
     * Initial weights with every parameter moved off its initial constant, so no term is trivially zero; the
     * larger a tensor, the smaller the move, so a wide layer (388 query inputs) does not saturate the output.
     */
    private static Weights perturbed(RouterNetwork network, long seed) {
        Random random = new Random(seed);
        Weights w = network.initialWeights(random);
        for (String name : w.names()) {
            float[] v = w.get(name);
            float size = 0.5f * (float) Math.min(1, Math.sqrt(16.0 / v.length));
            for (int i = 0; i < v.length; i++) v[i] += (float) random.nextGaussian() * size;
        }
        return w;
    }

    @Test
    void onnxMatchesTheTrainingForwardPass() throws Exception {
        TrainingSet inputs = SyntheticCandidates.noiseSet(24, 3);
        for (RouterNetwork network : networks()) {
            Weights w = perturbed(network, 11);
            float[] logits = Trainer.logits(network, w, inputs);
            double[] onnx = TrainingProtocol.scoreOnnx(network.onnx(w, false, Map.of()), inputs).pStrong();
            double spread = 0;
            for (int i = 0; i < inputs.size(); i++) {
                double expected = 1 / (1 + Math.exp(-logits[i]));
                assertEquals(expected, onnx[i], 1e-4, network.name() + " prompt " + i);
                spread = Math.max(spread, Math.abs(onnx[i] - onnx[0]));
            }
            assertTrue(spread > 0.05, network.name() + ": outputs barely depend on the input (" + spread + ")");
        }
    }

    @Test
    void int8VariantStaysCloseAndIsSmaller() throws Exception {
        TrainingSet set = SyntheticCandidates.noiseSet(24, 4);
        for (RouterNetwork network : networks()) {
            Weights w = perturbed(network, 12);
            byte[] fp32 = network.onnx(w, false, Map.of());
            byte[] int8 = network.onnx(w, true, Map.of());
            double[] a = TrainingProtocol.scoreOnnx(fp32, set).pStrong();
            double[] b = TrainingProtocol.scoreOnnx(int8, set).pStrong();
            double worst = 0;
            for (int i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
            // A query model's first layer sums 388 rounded products (the candidate networks' 11), so its
            // rounding error is ~6x larger; what matters, the ranking, is measured by the protocol (APGR).
            double bound = network.readsQuery() ? 0.05 : 0.02;
            assertTrue(worst < bound, network.name() + ": int8 differs from fp32 by up to " + worst);
            assertTrue(worst > 0, network.name() + ": int8 graph gives identical outputs, so it was not quantized");
            assertTrue(int8.length < fp32.length, network.name() + ": int8 " + int8.length + " bytes, fp32 " + fp32.length);
        }
    }

    @Test
    void relevanceIsZeroOnPaddingAndInUnitRange() throws Exception {
        TrainingSet inputs = SyntheticCandidates.noiseSet(6, 5);
        for (RouterNetwork network : networks()) {
            try (org.agentrouter.scoring.OnnxScorer scorer = new org.agentrouter.scoring.OnnxScorer(
                    ai.onnxruntime.OrtEnvironment.getEnvironment(), network.onnx(perturbed(network, 13), false, Map.of()))) {
                float[] relevance = new float[FeatureLayout.MAX_CANDIDATES];
                for (int i = 0; i < inputs.size(); i++) {
                    float[] x = inputs.candidates()[i];
                    scorer.score(x, inputs.queries()[i], relevance);
                    for (int c = 0; c < FeatureLayout.MAX_CANDIDATES; c++) {
                        float present = x[c * FeatureLayout.CANDIDATE_WIDTH + FeatureLayout.C_PRESENT];
                        if (present == 0f) assertEquals(0f, relevance[c], network.name() + " padding row " + c);
                        else assertTrue(relevance[c] > 0f && relevance[c] < 1f, network.name() + " row " + c + ": " + relevance[c]);
                    }
                }
            }
        }
    }

    /** The graph check's operator list and bounds were derived from these builders: every graph they write passes. */
    @Test
    void everyGraphOurBuildersWritePassesTheGraphCheck() throws Exception {
        for (RouterNetwork network : networks()) {
            for (boolean int8 : new boolean[] {false, true}) {
                org.agentrouter.scoring.OnnxGraphCheck.check(network.onnx(perturbed(network, 14), int8, Map.of()));
            }
        }
        org.agentrouter.scoring.OnnxGraphCheck.check(org.agentrouter.modelbuild.SeedModelBuilder.build());
        org.agentrouter.scoring.ModelRejectedException wrongRows = org.junit.jupiter.api.Assertions.assertThrows(
                org.agentrouter.scoring.ModelRejectedException.class,
                () -> org.agentrouter.scoring.OnnxGraphCheck.check(org.agentrouter.modelbuild.SeedModelBuilder.build(64)));
        assertTrue(wrongRows.getMessage().contains("[64, 11]"), wrongRows.getMessage());
    }
}
