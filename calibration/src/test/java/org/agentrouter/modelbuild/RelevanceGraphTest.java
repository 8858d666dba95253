package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnxruntime.OrtEnvironment;
import java.util.Map;
import java.util.SplittableRandom;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.scoring.OnnxScorer;
import org.agentrouter.training.RelevanceNetwork;
import org.agentrouter.training.Weights;
import org.junit.jupiter.api.Test;

/** The relevance sub-graph joined to another model's p_strong: p_strong untouched, relevance = the trained head. */
class RelevanceGraphTest {
    private static float[] values(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextDouble(-0.5, 0.5);
        return v;
    }

    @Test
    void theSeedsPStrongStaysAndTheHeadScoresEveryRowAsTheJavaReference() throws Exception {
        for (int hidden : new int[] {0, 8}) {
            SplittableRandom r = new SplittableRandom(hidden + 1);
            Weights w = new Weights();
            if (hidden > 0) {
                w.add("w1", values(r, CANDIDATE_WIDTH * hidden), CANDIDATE_WIDTH, hidden).add("b1", values(r, hidden), hidden)
                        .add("w2", values(r, hidden), hidden, 1);
            } else {
                w.add("w2", values(r, CANDIDATE_WIDTH), CANDIDATE_WIDTH, 1);
            }
            w.add("b2", values(r, 1), 1);
            RelevanceGraph.Head head = hidden > 0
                    ? new RelevanceGraph.Head(hidden, w.get("w1"), w.get("b1"), w.get("w2"), w.scalar("b2"))
                    : new RelevanceGraph.Head(0, null, null, w.get("w2"), w.scalar("b2"));
            byte[] seed = SeedModelBuilder.build(); // layout 1: [128 x 11]
            byte[] combined = RelevanceGraph.combine(seed, head, Map.of("name", "t"));
            byte[] again = RelevanceGraph.combine(combined, head, Map.of("name", "t")); // a layout-2 p_strong part
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OnnxScorer before = new OnnxScorer(env, seed); OnnxScorer after = new OnnxScorer(env, combined);
                 OnnxScorer twice = new OnnxScorer(env, again)) {
                assertEquals(FeatureLayout.V1_CANDIDATE_WIDTH, before.candidateWidth());
                assertEquals(CANDIDATE_WIDTH, after.candidateWidth());
                after.dryRun();
                float[] relBefore = new float[MAX_CANDIDATES];
                float[] relAfter = new float[MAX_CANDIDATES];
                float[] relTwice = new float[MAX_CANDIDATES];
                for (int present : new int[] {0, 1, 37, MAX_CANDIDATES}) {
                    float[] rows = CandidateBatches.random(present, r);
                    assertEquals(before.score(rows, null, relBefore), after.score(rows, null, relAfter), 0f, "p_strong unchanged");
                    assertEquals(after.score(rows, null, relAfter), twice.score(rows, null, relTwice), 0f);
                    for (int i = 0; i < MAX_CANDIDATES; i++) {
                        float expected = i < present
                                ? (float) (1 / (1 + Math.exp(-RelevanceNetwork.score(w, hidden, rows, i)))) : 0f;
                        assertEquals(expected, relAfter[i], 1e-5f, "row " + i + " of " + present);
                        assertEquals(relAfter[i], relTwice[i], 0f);
                    }
                }
            }
        }
    }
}
