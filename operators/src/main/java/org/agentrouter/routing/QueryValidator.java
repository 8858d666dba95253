package org.agentrouter.routing;

import java.util.List;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ErrorCategory;

/**
 * Turns a decoded AgentQuery into a {@link QueryContext}, refusing what no later stage could
 * route. Refusals are permanent errors (dead letters); everything that may succeed on a retry
 * (a store or model that is down) is left to the fallback ladder instead.
 */
public final class QueryValidator {
    private final int maxContextK;

    public QueryValidator(int maxContextK) {
        this.maxContextK = Math.min(maxContextK, FeatureLayout.MAX_CANDIDATES);
    }

    public QueryContext toContext(AgentQuery q) throws InvalidQueryException {
        if (isBlank(q.getQueryId())) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "query_id is empty");
        }
        if (isBlank(q.getNamespace())) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "namespace is empty");
        }
        List<Float> vector = q.getEmbedding();
        if (vector == null && isBlank(q.getText())) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "neither text nor embedding given");
        }
        QueryContext ctx = new QueryContext();
        ctx.queryId = q.getQueryId();
        ctx.namespace = q.getNamespace();
        ctx.userId = q.getUserId();
        ctx.sessionId = q.getSessionId();
        ctx.text = q.getText();
        ctx.eventTimeMs = q.getEventTimeMs();
        ctx.tags = q.getTags() == null ? new String[0] : q.getTags().toArray(new String[0]);
        if (vector != null) {
            ctx.embedding = normalized(vector);
        }
        if (q.getAlpha() != null) {
            double a = q.getAlpha();
            if (!(a > 0.0 && a < 1.0)) {
                throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "alpha must be in (0, 1), got " + a);
            }
            ctx.alpha = a;
        }
        if (q.getMaxCostUsd() != null) {
            double c = q.getMaxCostUsd();
            if (!(c >= 0.0) || Double.isInfinite(c)) {
                throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "max_cost_usd must be >= 0, got " + c);
            }
            ctx.maxCostUsd = c;
        }
        if (q.getContextK() < 0 || q.getContextK() > maxContextK) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD,
                    "context_k must be in [0, " + maxContextK + "], got " + q.getContextK());
        }
        ctx.contextK = q.getContextK();
        return ctx;
    }

    /** Copies and L2-normalizes a caller's vector; cosine similarity downstream assumes unit length. */
    static float[] normalized(List<Float> vector) throws InvalidQueryException {
        if (vector.size() != FeatureLayout.EMBEDDING_DIM) {
            throw new InvalidQueryException(ErrorCategory.WRONG_VECTOR_SIZE,
                    "embedding has " + vector.size() + " dimensions, expected " + FeatureLayout.EMBEDDING_DIM);
        }
        float[] out = new float[vector.size()];
        double norm = 0;
        for (int i = 0; i < out.length; i++) {
            Float v = vector.get(i);
            if (v == null || !Float.isFinite(v)) {
                throw new InvalidQueryException(ErrorCategory.NON_FINITE_VALUE,
                        "embedding[" + i + "] is " + v + ": vectors must be finite");
            }
            out[i] = v;
            norm += (double) v * v;
        }
        if (norm == 0.0) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "embedding is the zero vector");
        }
        float inv = (float) (1.0 / Math.sqrt(norm));
        for (int i = 0; i < out.length; i++) {
            out[i] *= inv;
        }
        return out;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
