package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.io.InputStream;
import java.util.SplittableRandom;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.OnnxScorer;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.training.RelevanceNetwork;
import org.agentrouter.training.RelevanceRelease;
import org.agentrouter.training.Weights;
import org.junit.jupiter.api.Test;

/**
 * The release the job ships: the seed's p_strong as SeedModelBuilder makes it today, calibrated, with the relevance
 * head trained by ./router train-relevance (its weights committed next to it), servable.
 */
class ShippedModelTest {
    @Test
    void shippedReleaseIsTheSeedsPStrongWithTheTrainedRelevanceHeadCalibratedAndServable() throws Exception {
        ModelRelease shipped = ModelReleases.fromClasspath("models/default");
        assertEquals(FeatureLayout.VERSION, shipped.getFeatureLayoutVersion());
        assertTrue(shipped.getCalibration().getCalibrationSize() > 1000, "calibrated on real held-out outcomes");
        assertEquals("group-risk", shipped.getCalibration().getMethod(), "the guarantee is about a new subject");
        assertTrue(shipped.getCalibration().getGroupCount() >= 40, "every usable subject is a calibration group: "
                + shipped.getCalibration().getGroupCount());
        Weights head;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("models/default/" + RelevanceRelease.WEIGHTS_FILE)) {
            assertNotNull(in, "the head's weights are committed with the release");
            head = RelevanceRelease.readWeights(in.readAllBytes());
        }
        int hidden = Integer.parseInt(shipped.getMetadata().get("relevance.model.hidden"));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxScorer seed = new OnnxScorer(env, SeedModelBuilder.build());
             OnnxScorer served = new OnnxScorer(env, ModelReleases.modelBytes(shipped))) {
            SplittableRandom random = new SplittableRandom(11);
            float[] seedRelevance = new float[MAX_CANDIDATES];
            float[] relevance = new float[MAX_CANDIDATES];
            for (int present : new int[] {0, 1, 40, MAX_CANDIDATES}) {
                float[] rows = CandidateBatches.random(present, random);
                assertEquals(seed.score(rows, null, seedRelevance), served.score(rows, null, relevance), 0f,
                        "p_strong drifted from SeedModelBuilder: run ./router build-seed-model, calibrate and train-relevance");
                for (int i = 0; i < present; i++) {
                    double expected = 1 / (1 + Math.exp(-RelevanceNetwork.score(head, hidden, rows, i)));
                    assertEquals(expected, relevance[i], 1e-5, "relevance of row " + i);
                }
            }
        }
        try (ServedModel accepted = ServedModel.accept(env, shipped)) {
            assertEquals(shipped.getVersion(), accepted.version.toString());
        }
    }
}
