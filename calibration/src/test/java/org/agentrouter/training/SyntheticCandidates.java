package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.C_CHEAP_OUTCOME;
import static org.agentrouter.features.FeatureLayout.C_OUTCOME_KNOWN;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.C_SIMILARITY;
import static org.agentrouter.features.FeatureLayout.C_STRONG_OUTCOME;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;

import java.util.Random;

/**
 * Candidate blocks shaped like the job's (similarity descending, padding rows zero, binary outcomes) with
 * a label that depends on the evidence: the strong route is needed when the closest memories needed it.
 * Small and seeded, so the training tests run in seconds without the real data.
 */
final class SyntheticCandidates {
    private SyntheticCandidates() {}

    static TrainingSet generate(int prompts, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[prompts][];
        float[] y = new float[prompts];
        for (int i = 0; i < prompts; i++) {
            float[] block = new float[TrainingSet.ROW_FLOATS];
            // Mostly full candidate lists, some short ones (cold start) and one empty now and then.
            int filled = i % 17 == 0 ? 0 : i % 5 == 0 ? 1 + random.nextInt(30) : 100;
            double hardness = random.nextDouble();
            float sim = 0.9f;
            double closeVote = 0;
            for (int c = 0; c < filled; c++) {
                int row = c * CANDIDATE_WIDTH;
                sim -= random.nextFloat() * 0.006f;
                block[row + C_PRESENT] = 1f;
                block[row + C_SIMILARITY] = sim;
                for (int col = 2; col < CANDIDATE_WIDTH; col++) block[row + col] = random.nextFloat();
                boolean strongOnly = random.nextDouble() < hardness * 0.6;
                block[row + C_CHEAP_OUTCOME] = strongOnly ? 0f : 1f;
                block[row + C_STRONG_OUTCOME] = 1f;
                block[row + C_OUTCOME_KNOWN] = 1f;
                if (c < 8) closeVote += strongOnly ? 1 : 0;
            }
            x[i] = block;
            y[i] = filled > 0 && random.nextDouble() < 0.1 + 0.8 * closeVote / Math.min(8, filled) ? 1f : 0f;
        }
        return new TrainingSet(x, y);
    }

    /** Random rows for equivalence checks: every column random, outcomes anywhere in [0, 1]. */
    static float[][] noise(int prompts, long seed) {
        Random random = new Random(seed);
        float[][] x = new float[prompts][];
        for (int i = 0; i < prompts; i++) {
            float[] block = new float[TrainingSet.ROW_FLOATS];
            int filled = new int[] {0, 1, 3, 37, 100, MAX_CANDIDATES}[i % 6];
            for (int c = 0; c < filled; c++) {
                int row = c * CANDIDATE_WIDTH;
                block[row + C_PRESENT] = 1f;
                for (int col = 1; col < CANDIDATE_WIDTH; col++) block[row + col] = random.nextFloat();
            }
            x[i] = block;
        }
        return x;
    }
}
