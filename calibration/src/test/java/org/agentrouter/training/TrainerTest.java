package org.agentrouter.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.agentrouter.eval.RoutingCurve;
import org.junit.jupiter.api.Test;

/** Training is reproducible, learns a learnable signal, sparsifies the FastGRNN, and its weights survive safetensors. */
class TrainerTest {
    private static final TrainingSet DATA = SyntheticCandidates.generate(600, 1);
    private static final TrainingSet HELD_OUT = SyntheticCandidates.generate(400, 2);

    private static Trainer.Settings settings(long seed) {
        return new Trainer.Settings(6, 64, 0.02f, 1e-4f, seed, false);
    }

    @Test
    void sameSeedSameWeightsOtherSeedOtherWeights() {
        RouterNetwork network = new FastGrnnNetwork(8, 3, 3, 4, 0.5);
        Weights a = Trainer.train(network, DATA, settings(7));
        Weights b = Trainer.train(network, DATA, settings(7));
        Weights c = Trainer.train(network, DATA, settings(8));
        assertEquals(a, b);
        assertNotEquals(a, c);
    }

    @Test
    void bothNetworksLearnTheSyntheticSignal() {
        for (RouterNetwork network : new RouterNetwork[] {new AttentionMlpNetwork(8), new FastGrnnNetwork(8, 3, 3, 8, 0.5)}) {
            Weights w = Trainer.train(network, DATA, settings(3));
            float[] logits = Trainer.logits(network, w, HELD_OUT);
            double[] scores = new double[logits.length];
            double[] weak = new double[logits.length];
            double[] strong = new double[logits.length];
            for (int i = 0; i < logits.length; i++) {
                scores[i] = logits[i];
                // Label 1 = only the strong route answered well; otherwise both did.
                weak[i] = HELD_OUT.labels()[i] == 1f ? 0 : 1;
                strong[i] = 1;
            }
            double apgr = RoutingCurve.evaluate(scores, weak, strong).apgr();
            // Random scores give about 0.5 here; the label's own noise keeps even the best ranking below 0.8.
            assertTrue(apgr > 0.6, network.name() + " APGR on held-out synthetic prompts " + apgr);
        }
    }

    /**
     * The query-reading baselines learn a label the candidates say nothing about, and the candidate-only
     * MLP cannot: so the query row really reaches the model, in training and through ONNX.
     */
    @Test
    void queryModelsLearnFromTheQueryRow() throws Exception {
        TrainingSet train = SyntheticCandidates.queryDriven(4000, 21);
        TrainingSet test = SyntheticCandidates.queryDriven(600, 22);
        double[] weak = new double[test.size()];
        double[] strong = new double[test.size()];
        for (int i = 0; i < test.size(); i++) {
            weak[i] = test.labels()[i] == 1f ? 0 : 1;
            strong[i] = 1;
        }
        Trainer.Settings s = new Trainer.Settings(15, 64, 0.02f, 1e-4f, 9, false);
        for (RouterNetwork network : new RouterNetwork[] {new QueryMlpNetwork(0), new QueryMlpNetwork(8)}) {
            Weights w = Trainer.train(network, train, s);
            double[] p = TrainingProtocol.scoreOnnx(network.onnx(w, false, java.util.Map.of()), test).pStrong();
            double apgr = RoutingCurve.evaluate(p, weak, strong).apgr();
            System.out.println(network.name() + " APGR on query-driven labels " + apgr);
            // Ranking by the true direction gets ~0.70 here (10% of labels flipped); random ~0.5.
            assertTrue(apgr > 0.6, network.name() + " APGR " + apgr);
        }
        RouterNetwork blind = new AttentionMlpNetwork(8);
        double[] p = TrainingProtocol.scoreOnnx(blind.onnx(Trainer.train(blind, train, s), false, java.util.Map.of()), test).pStrong();
        double apgr = RoutingCurve.evaluate(p, weak, strong).apgr();
        System.out.println(blind.name() + " APGR on query-driven labels " + apgr);
        assertTrue(apgr < 0.56, "a model without the query row ranks query-driven labels: APGR " + apgr);
    }

    @Test
    void fastGrnnFactorsAreSparseAfterTraining() {
        Weights w = Trainer.train(new FastGrnnNetwork(8, 3, 3, 4, 0.5), DATA, settings(5));
        for (String name : new String[] {"w1", "w2", "u1", "u2"}) {
            float[] v = w.get(name);
            long zeros = 0;
            for (float x : v) if (x == 0f) zeros++;
            assertTrue(zeros >= v.length / 2 - 1, name + ": " + zeros + " zeros of " + v.length);
        }
    }

    @Test
    void safetensorsRoundTrip() {
        Weights w = Trainer.train(new AttentionMlpNetwork(8), DATA, new Trainer.Settings(1, 64, 0.02f, 0f, 1, false));
        try (NDManager manager = TorchEngine.newManager()) {
            byte[] bytes = w.toSafetensors(manager);
            // The format: 8-byte little-endian header length, then a JSON header naming every tensor.
            long headerLength = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            String header = new String(bytes, 8, (int) headerLength, java.nio.charset.StandardCharsets.UTF_8);
            for (String name : w.names()) assertTrue(header.contains("\"" + name + "\""), header);
            assertEquals(w, Weights.fromSafetensors(manager, bytes));
        }
    }
}
