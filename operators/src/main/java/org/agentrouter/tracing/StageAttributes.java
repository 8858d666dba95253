package org.agentrouter.tracing;

import io.opentelemetry.api.common.AttributeKey;

/**
 * What the stage spans record about a query: enough to see why it took the path it took, never its text, vector or
 * memory contents. Names under {@code agent_router.}; the messaging ones are OpenTelemetry's ({@link StageTracer}).
 */
public final class StageAttributes {
    private StageAttributes() {}

    public static final AttributeKey<String> NAMESPACE = AttributeKey.stringKey("agent_router.namespace");
    public static final AttributeKey<Boolean> HAS_VECTOR = AttributeKey.booleanKey("agent_router.query.has_vector");
    public static final AttributeKey<Long> CONTEXT_K = AttributeKey.longKey("agent_router.query.context_k");
    public static final AttributeKey<String> EMBEDDER = AttributeKey.stringKey("agent_router.embedder");
    public static final AttributeKey<Long> CANDIDATES = AttributeKey.longKey("agent_router.retrieval.candidates");
    public static final AttributeKey<String> RETRIEVAL_NOTE = AttributeKey.stringKey("agent_router.retrieval.note");
    public static final AttributeKey<String> RETRIEVAL_BREAKER = AttributeKey.stringKey("agent_router.retrieval.breaker");
    public static final AttributeKey<String> MODEL_VERSION = AttributeKey.stringKey("agent_router.model.version");
    public static final AttributeKey<String> MODEL_ROLE = AttributeKey.stringKey("agent_router.model.role");
    public static final AttributeKey<Double> P_STRONG = AttributeKey.doubleKey("agent_router.score.p_strong");
    public static final AttributeKey<Long> SCORING_MICROS = AttributeKey.longKey("agent_router.score.micros");
    public static final AttributeKey<String> SCORE_FAILURE = AttributeKey.stringKey("agent_router.score.failure");
    public static final AttributeKey<String> SHADOW_VERSION = AttributeKey.stringKey("agent_router.shadow.version");
    public static final AttributeKey<String> ROUTE = AttributeKey.stringKey("agent_router.route");
    public static final AttributeKey<String> MODEL = AttributeKey.stringKey("agent_router.model");
    public static final AttributeKey<String> FALLBACK_LEVEL = AttributeKey.stringKey("agent_router.fallback.level");
    public static final AttributeKey<String> FALLBACK_REASON = AttributeKey.stringKey("agent_router.fallback.reason");
    public static final AttributeKey<Double> CONFIDENCE = AttributeKey.doubleKey("agent_router.confidence");
    public static final AttributeKey<Double> ALPHA = AttributeKey.doubleKey("agent_router.alpha");
    public static final AttributeKey<Long> PROCESSING_MICROS = AttributeKey.longKey("agent_router.processing.micros");
    public static final AttributeKey<Double> COST_USD = AttributeKey.doubleKey("agent_router.cost.usd");
    public static final AttributeKey<Long> CONTEXT_IDS = AttributeKey.longKey("agent_router.context.count");
}
