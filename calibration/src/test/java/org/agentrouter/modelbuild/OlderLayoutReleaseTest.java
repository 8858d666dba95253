package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.V2_CANDIDATE_WIDTH;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.onnxruntime.OrtEnvironment;
import java.io.InputStream;
import java.util.SplittableRandom;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.OnnxScorer;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.training.RelevanceRelease;
import org.agentrouter.training.Weights;
import org.junit.jupiter.api.Test;

/**
 * The release shipped before layout 3 (seed-weighting 1.0.1, layout 2: a relevance head over 26 columns), kept as a
 * test resource: the job still accepts it and feeds it the first 26 columns of every layout-3 row, so releases in
 * broadcast state or a savepoint keep scoring as they did.
 */
class OlderLayoutReleaseTest {
    @Test
    void aLayout2ReleaseIsServedTheFirst26ColumnsAndScoresAsItsOwnHead() throws Exception {
        ModelRelease old = ModelReleases.read(java.nio.file.Path.of(getClass().getClassLoader()
                .getResource("models/layout2-1.0.1/release.json").toURI()).getParent());
        assertEquals(2, old.getFeatureLayoutVersion());
        Weights head;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("models/layout2-1.0.1/" + RelevanceRelease.WEIGHTS_FILE)) {
            assertNotNull(in);
            head = RelevanceRelease.readWeights(in.readAllBytes());
        }
        int hidden = Integer.parseInt(old.getMetadata().get("relevance.model.hidden"));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxScorer seed = new OnnxScorer(env, SeedModelBuilder.build());
             OnnxScorer served = new OnnxScorer(env, ModelReleases.modelBytes(old));
             ServedModel accepted = ServedModel.accept(env, old)) {
            assertEquals(V2_CANDIDATE_WIDTH, served.candidateWidth());
            assertEquals("1.0.1", accepted.version.toString());
            served.dryRun();
            SplittableRandom random = new SplittableRandom(3);
            float[] seedRelevance = new float[MAX_CANDIDATES];
            float[] relevance = new float[MAX_CANDIDATES];
            for (int present : new int[] {0, 1, 40, MAX_CANDIDATES}) {
                float[] rows = CandidateBatches.random(present, random); // layout-3 rows
                assertEquals(seed.score(rows, null, seedRelevance), served.score(rows, null, relevance), 0f, "p_strong");
                for (int i = 0; i < present; i++) {
                    double expected = 1 / (1 + Math.exp(-layout2Score(head, hidden, rows, i)));
                    assertEquals(expected, relevance[i], 1e-5, "relevance of row " + i);
                }
                for (int i = present; i < MAX_CANDIDATES; i++) assertEquals(0f, relevance[i], 0f, "padding row " + i);
            }
        }
    }

    /** The head over the first 26 columns of a layout-3 row (its weights are [26 x hidden]). */
    private static double layout2Score(Weights w, int hidden, float[] rows, int row) {
        int base = row * CANDIDATE_WIDTH;
        float[] w1 = w.get("w1");
        float[] b1 = w.get("b1");
        float[] w2 = w.get("w2");
        assertEquals(V2_CANDIDATE_WIDTH * hidden, w1.length);
        double s = w.scalar("b2");
        for (int j = 0; j < hidden; j++) {
            double a = b1[j];
            for (int c = 0; c < V2_CANDIDATE_WIDTH; c++) a += rows[base + c] * w1[c * hidden + j];
            if (a > 0) s += a * w2[j];
        }
        return s;
    }
}
