package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;

import java.util.SplittableRandom;
import org.agentrouter.features.FeatureLayout;

/** Random candidate inputs within each column's documented range, zero rows as padding. */
final class CandidateBatches {
    private CandidateBatches() {}

    static float[] random(int present, SplittableRandom random) {
        float[] candidates = new float[MAX_CANDIDATES * CANDIDATE_WIDTH];
        for (int i = 0; i < present; i++) {
            int row = i * CANDIDATE_WIDTH;
            candidates[row + FeatureLayout.C_PRESENT] = 1f;
            candidates[row + FeatureLayout.C_SIMILARITY] = (float) random.nextDouble(-1, 1);
            candidates[row + FeatureLayout.C_RECENCY] = (float) random.nextDouble(0.001, 1);
            candidates[row + FeatureLayout.C_CONFIDENCE] = (float) random.nextDouble();
            candidates[row + FeatureLayout.C_FREQUENCY] = (float) random.nextDouble();
            candidates[row + FeatureLayout.C_TAG_OVERLAP] = (float) random.nextDouble();
            candidates[row + FeatureLayout.C_SAME_SESSION] = random.nextInt(2);
            candidates[row + FeatureLayout.C_SUCCESS] = (float) random.nextDouble();
            boolean known = random.nextDouble() < 0.6;
            candidates[row + FeatureLayout.C_OUTCOME_KNOWN] = known ? 1f : 0f;
            candidates[row + FeatureLayout.C_CHEAP_OUTCOME] = known ? (float) random.nextDouble() : 0.5f;
            candidates[row + FeatureLayout.C_STRONG_OUTCOME] = known ? (float) random.nextDouble() : 0.5f;
            // Layout 2's context columns: any value in [-1, 1] exercises the relevance head.
            for (int c = FeatureLayout.V1_CANDIDATE_WIDTH; c < CANDIDATE_WIDTH; c++) {
                candidates[row + c] = (float) random.nextDouble(-1, 1);
            }
        }
        return candidates;
    }
}
