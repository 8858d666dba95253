package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;

/**
 * Model inputs and targets: one [MAX_CANDIDATES x CANDIDATE_WIDTH] block per prompt (row-major, as the
 * job feeds the model) and the target in [0, 1] (see {@link TrainingProtocol.Target}).
 */
public record TrainingSet(float[][] candidates, float[] labels) {
    public static final int ROW_FLOATS = MAX_CANDIDATES * CANDIDATE_WIDTH;

    public TrainingSet {
        if (candidates.length != labels.length) {
            throw new IllegalArgumentException(candidates.length + " inputs for " + labels.length + " labels");
        }
    }

    public int size() {
        return labels.length;
    }
}
