package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.C_CHEAP_OUTCOME;
import static org.agentrouter.features.FeatureLayout.C_OUTCOME_KNOWN;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.C_SIMILARITY;
import static org.agentrouter.features.FeatureLayout.C_STRONG_OUTCOME;
import static org.agentrouter.features.FeatureLayout.EMBEDDING_DIM;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;

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

    /**
     * Prompts whose label depends only on the query row: the strong route is needed when the query leans
     * towards one fixed direction d (cos(query, d) > 0), with 10% of the labels flipped, and the candidates
     * carry no evidence (random rows). Only a model that reads the query can rank these.
     */
    static TrainingSet queryDriven(int prompts, long seed) {
        Random random = new Random(seed);
        float[] direction = unitVector(new Random(42));
        TrainingSet noise = noiseSet(prompts, seed + 1);
        float[] y = new float[prompts];
        for (int i = 0; i < prompts; i++) {
            float[] q = noise.queries()[i];
            double cos = 0;
            for (int d = 0; d < EMBEDDING_DIM; d++) cos += q[d] * direction[d];
            boolean leans = cos > 0;
            y[i] = leans ^ random.nextDouble() < 0.1 ? 1f : 0f;
        }
        return noise.withLabels(y);
    }

    /** {@link #noise} candidate blocks with query rows: a random unit embedding and random text signals. */
    static TrainingSet noiseSet(int prompts, long seed) {
        Random random = new Random(seed);
        float[][] queries = new float[prompts][];
        for (int i = 0; i < prompts; i++) {
            float[] q = new float[QUERY_WIDTH];
            System.arraycopy(unitVector(random), 0, q, 0, EMBEDDING_DIM);
            for (int c = EMBEDDING_DIM; c < QUERY_WIDTH; c++) q[c] = random.nextFloat();
            queries[i] = q;
        }
        return new TrainingSet(noise(prompts, seed), queries, new float[prompts]);
    }

    private static float[] unitVector(Random random) {
        float[] v = new float[EMBEDDING_DIM];
        double norm = 0;
        for (int d = 0; d < v.length; d++) {
            v[d] = (float) random.nextGaussian();
            norm += v[d] * v[d];
        }
        for (int d = 0; d < v.length; d++) v[d] /= (float) Math.sqrt(norm);
        return v;
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
