package org.agentrouter.routing;

import java.util.List;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.intake.InputLimits;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ErrorCategory;

/**
 * Turns a decoded AgentQuery into a {@link QueryContext}, refusing what no later stage could
 * route. Refusals are permanent errors (dead letters); everything that may succeed on a retry
 * (a store or model that is down) is left to the fallback ladder instead.
 */
public final class QueryValidator {
    private final int maxContextK;
    private final InputLimits limits;

    public QueryValidator(int maxContextK) {
        this(maxContextK, new InputLimits());
    }

    public QueryValidator(int maxContextK, InputLimits limits) {
        this.maxContextK = Math.min(maxContextK, FeatureLayout.MAX_CANDIDATES);
        this.limits = limits;
    }

    public QueryContext toContext(AgentQuery q) throws InvalidQueryException {
        if (isBlank(q.getQueryId())) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "query_id is empty");
        }
        if (isBlank(q.getNamespace())) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "namespace is empty");
        }
        requireWithin(limits.maxIdChars, "query_id", q.getQueryId());
        requireWithin(limits.maxIdChars, "namespace", q.getNamespace());
        requireWithin(limits.maxIdChars, "user_id", q.getUserId());
        requireWithin(limits.maxIdChars, "session_id", q.getSessionId());
        requireWithin(limits.maxTextChars, "text", q.getText());
        List<Float> vector = q.getEmbedding();
        if (vector == null && isBlank(q.getText())) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "neither text nor embedding given");
        }
        if (q.getEventTimeMs() < 0) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "event_time_ms must be >= 0, got " + q.getEventTimeMs());
        }
        List<String> tags = q.getTags();
        if (tags != null) {
            if (tags.size() > limits.maxTags) {
                throw new InvalidQueryException(ErrorCategory.INVALID_FIELD,
                        "tags has " + tags.size() + " entries, more than the limit of " + limits.maxTags);
            }
            for (String t : tags) requireWithin(limits.maxIdChars, "a tag", t);
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
        double length = Math.sqrt(norm);
        if (length < org.agentrouter.memory.VectorChecks.MIN_NORM || length > org.agentrouter.memory.VectorChecks.MAX_NORM) {
            // A norm of 1e-39 would scale by more than Float.MAX_VALUE: the unit vector would come out as NaN.
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD, "embedding has norm " + length + ", outside ["
                    + org.agentrouter.memory.VectorChecks.MIN_NORM + ", " + org.agentrouter.memory.VectorChecks.MAX_NORM + "]");
        }
        double inv = 1.0 / length;
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] * inv);
        }
        return out;
    }

    private static void requireWithin(int maxChars, String field, String value) throws InvalidQueryException {
        if (value != null && value.length() > maxChars) {
            throw new InvalidQueryException(ErrorCategory.INVALID_FIELD,
                    field + " has " + value.length() + " characters, more than the limit of " + maxChars);
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
