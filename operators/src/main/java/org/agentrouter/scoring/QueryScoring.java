package org.agentrouter.scoring;

import org.agentrouter.features.FeatureLayout;
import org.agentrouter.query.QueryContext;

/**
 * The scoring stage without Flink: what {@code CandidateScorer} does to each query with the model it
 * serves. The microbenchmarks call the same two methods.
 */
public final class QueryScoring {
    private QueryScoring() {}

    /**
     * Scores all candidates of the query in one ONNX Runtime call and sets {@code pStrong} and
     * {@code relevance}. The relevance array is new per query because it travels with the record.
     *
     * @throws RuntimeException when the model fails or answers outside [0, 1]
     */
    public static void score(ServedModel model, QueryContext q) {
        float[] relevance = new float[FeatureLayout.MAX_CANDIDATES];
        q.score.pStrong = model.scorer.score(q.candidateFeatures, q.queryFeatures, relevance);
        if (!(q.score.pStrong >= 0.0 && q.score.pStrong <= 1.0)) {
            throw new IllegalStateException("model returned p_strong " + q.score.pStrong);
        }
        q.score.relevance = relevance;
    }

    /** Marks the query with the release that served it, whose calibration routing must then apply. */
    public static void stamp(ServedModel model, QueryContext q) {
        q.score.modelVersion = model.version.toString();
        q.score.modelRole = model.role;
        q.score.calibrationAlphas = model.alphas;
        q.score.strongThresholds = model.strongThresholds;
        q.score.cheapThresholds = model.cheapThresholds;
    }
}
