package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.C_CONFIDENCE;
import static org.agentrouter.features.FeatureLayout.C_LEXICAL;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.C_SIMILARITY;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RelevanceTrainerTest {
    /** 200 queries of 40 candidates; the evidence (2 per query) has the higher lexical scores; confidence is constant. */
    private static List<RelevanceTrainer.Example> examples(Random r) {
        List<RelevanceTrainer.Example> out = new ArrayList<>();
        for (int q = 0; q < 200; q++) {
            float[] x = new float[MAX_CANDIDATES * CANDIDATE_WIDTH];
            float[] y = new float[MAX_CANDIDATES];
            for (int i = 0; i < 40; i++) {
                boolean evidence = i == 3 || i == 17;
                x[i * CANDIDATE_WIDTH + C_PRESENT] = 1;
                x[i * CANDIDATE_WIDTH + C_SIMILARITY] = (float) r.nextDouble();
                x[i * CANDIDATE_WIDTH + C_LEXICAL] = (float) (evidence ? 0.6 + 0.4 * r.nextDouble() : 0.6 * r.nextDouble());
                x[i * CANDIDATE_WIDTH + C_CONFIDENCE] = 0.5f;
                y[i] = evidence ? 1 : 0;
            }
            out.add(new RelevanceTrainer.Example(x, y));
        }
        return out;
    }

    @Test
    void learnsTheSignalIgnoresConstantColumnsAndCalibrationKeepsTheOrderWithoutSaturating() {
        List<RelevanceTrainer.Example> data = examples(new Random(5));
        boolean[] varying = RelevanceNetwork.varyingColumns(data);
        assertTrue(varying[C_SIMILARITY] && varying[C_LEXICAL]);
        assertFalse(varying[C_CONFIDENCE], "constant in training");
        RelevanceNetwork net = new RelevanceNetwork(8, varying);
        Weights w = RelevanceTrainer.train(net, data, new RelevanceTrainer.Settings(10, 32, 0.01f, 1e-4f, 3));
        for (int j = 0; j < 8; j++) assertEquals(0f, w.get("w1")[C_CONFIDENCE * 8 + j], "no weight on a constant column");
        Weights calibrated = RelevanceTrainer.calibrate(net, w, data);
        List<RelevanceTrainer.Example> test = examples(new Random(6));
        int top2 = 0;
        double evidenceMean = 0;
        for (RelevanceTrainer.Example e : test) {
            float[] s = new float[40];
            float[] c = new float[40];
            for (int i = 0; i < 40; i++) {
                s[i] = RelevanceNetwork.score(w, 8, e.candidates(), i);
                c[i] = RelevanceNetwork.score(calibrated, 8, e.candidates(), i);
            }
            for (int i = 1; i < 40; i++) assertEquals(Float.compare(s[0], s[i]), Float.compare(c[0], c[i]), "same order");
            int above = 0;
            for (int i = 0; i < 40; i++) if (i != 3 && s[i] >= s[3]) above++;
            if (above <= 1) top2++;
            evidenceMean += 1 / (1 + Math.exp(-c[3])) / test.size();
            for (int i = 0; i < 40; i++) {
                assertTrue((float) (1 / (1 + Math.exp(-c[i]))) < 1f, "saturated to 1.0f: ties among the best");
            }
        }
        assertTrue(top2 > 180, "evidence ranked near the top in " + top2 + " of 200 unseen queries");
        assertTrue(evidenceMean > 0.5, "evidence is likely evidence: " + evidenceMean);
    }
}
