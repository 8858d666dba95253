package org.agentrouter.query;

/**
 * One query on its way through the pipeline. Each stage fills its own part; a Flink POJO (public
 * fields, no-arg constructor) so it crosses network edges with Flink's fast POJO serializer.
 * Unset doubles are NaN.
 */
public class QueryContext {
    // ---- from the AgentQuery (decode stage) ----
    public String queryId;
    public String namespace;
    public String userId;
    public String sessionId;
    public String text;
    /** Null until the query carries a vector or the embed stage made one. */
    public float[] embedding;
    public long eventTimeMs;
    public double alpha = Double.NaN;
    public double maxCostUsd = Double.NaN;
    public int contextK;
    public String[] tags;
    /** Where the query came from, for dead letters raised by later stages. */
    public String sourceTopic;
    public int sourcePartition;
    public long sourceOffset;
    /** The query's Avro bytes, for a dead letter of decode or embed; null after embed (the last stage that needs them). */
    public byte[] original;
    /** Wall clock (microseconds) when the job decoded the query: processing latency starts here. */
    public long ingestMicros;

    // ---- trace context (W3C, from the query record's headers) ----
    /**
     * The context the next span of this query is a child of: the producer's {@code traceparent} as it came (null when
     * the record had none), replaced by the job's consume span when the job traces the query ({@link #traced}). The
     * decision carries the last one on, so an untraced query's trace still goes on from the agent's own span.
     */
    public String traceparent;
    public String tracestate;
    /** Sampled at decode: every stage records a span. False (the default) costs the stages nothing. */
    public boolean traced;

    // ---- retrieval stage ----
    public int candidateCount;
    public String[] candidateIds;
    /** [FeatureLayout.MAX_CANDIDATES x CANDIDATE_WIDTH], row-major, zero-padded. */
    public float[] candidateFeatures;
    /** [FeatureLayout.QUERY_WIDTH]. */
    public float[] queryFeatures;
    /** Why there is no memory context (store unavailable, empty namespace, ...), else null. */
    public String retrievalNote;
    /**
     * The retrieval call itself failed (an error of this query). A store that is not open or a circuit that
     * is open are states, reported as such by the health probe, not counted per query.
     */
    public boolean retrievalFailed;

    /** The namespace learner's decision (retrieval stage, where the namespace's outcomes are); null when learning is off. */
    public LearnedRoute learned;

    // ---- scoring stage ----
    /** The score that decides: the champion's, or the live challenger's for its share of users. */
    public Score score = new Score();
    /** A challenger in shadow mode scores the query too, but does not decide; null when there is none. */
    public Score shadow;

    // ---- health ----
    /** Non-null on a health probe: not a query; each stage fills in its status and passes it on. */
    public HealthProbe probe;

    public QueryContext() {}
}
