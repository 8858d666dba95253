package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;

/**
 * Model inputs and targets: per prompt, one [MAX_CANDIDATES x CANDIDATE_WIDTH] block and one [QUERY_WIDTH]
 * query row (row-major, exactly as the job feeds the model), and the target in [0, 1] (see
 * {@link TrainingProtocol.Target}).
 */
public record TrainingSet(float[][] candidates, float[][] queries, float[] labels) {
    public static final int ROW_FLOATS = MAX_CANDIDATES * CANDIDATE_WIDTH;

    public TrainingSet {
        if (candidates.length != labels.length || queries.length != labels.length) {
            throw new IllegalArgumentException(candidates.length + " candidate blocks and " + queries.length
                    + " query rows for " + labels.length + " labels");
        }
    }

    /** Inputs without query rows (one shared all-zero row, never written), for networks that read only the candidates. */
    public TrainingSet(float[][] candidates, float[] labels) {
        this(candidates, zeroQueries(candidates.length), labels);
    }

    /** The same inputs with other targets (distillation). */
    public TrainingSet withLabels(float[] otherLabels) {
        return new TrainingSet(candidates, queries, otherLabels);
    }

    public int size() {
        return labels.length;
    }

    private static float[][] zeroQueries(int n) {
        float[][] q = new float[n][];
        float[] zero = new float[QUERY_WIDTH];
        java.util.Arrays.fill(q, zero);
        return q;
    }
}
