package org.agentrouter.features;

/**
 * The one place that defines what the scorer sees. Training, evaluation and the Flink job all fill
 * features through {@link FeatureAssembler}, so a model and the operator cannot disagree silently:
 * a model trained on another layout carries another {@link #VERSION} and is refused.
 *
 * <p>Two inputs per query, both row-major float32:
 * <ul>
 *   <li>{@code candidates}: [{@link #MAX_CANDIDATES} x {@link #CANDIDATE_WIDTH}], one row per retrieved
 *       memory, ordered by similarity (best first), zero rows as padding (present = 0).</li>
 *   <li>{@code query}: [1 x {@link #QUERY_WIDTH}], the query's own features.</li>
 * </ul>
 * A model declares which of the two inputs it reads; it outputs {@code relevance} [MAX_CANDIDATES x 1]
 * (0..1 per candidate) and {@code p_strong} [1 x 1] (probability that the cheap route will not do).
 */
public final class FeatureLayout {
    private FeatureLayout() {}

    /** Bump whenever a column below changes meaning, order or scaling. */
    public static final int VERSION = 1;

    /** Fixed candidate capacity of the model input; retrieval may return fewer (padded) but never more. */
    public static final int MAX_CANDIDATES = 128;

    // ---- candidate columns ----
    /** 1 for a retrieved memory, 0 for a padding row. Models use it as the mask. */
    public static final int C_PRESENT = 0;
    /** Cosine similarity between the query and the memory vectors, in [-1, 1]. */
    public static final int C_SIMILARITY = 1;
    /** exp(-ln2 * days since last use (or creation) / RECENCY_HALF_LIFE_DAYS), in (0, 1]. */
    public static final int C_RECENCY = 2;
    /** The memory's own confidence, in [0, 1]; 0.5 when the source gave none. */
    public static final int C_CONFIDENCE = 3;
    /** log1p(use count) / log1p(FREQUENCY_SATURATION), clipped to [0, 1]. */
    public static final int C_FREQUENCY = 4;
    /** Jaccard overlap of the query's tags and the memory's tags, in [0, 1]. */
    public static final int C_TAG_OVERLAP = 5;
    /** 1 when the memory comes from the query's own session, else 0. */
    public static final int C_SAME_SESSION = 6;
    /** Success rate or reward of the memory, in [0, 1]; 0.5 when unknown. */
    public static final int C_SUCCESS = 7;
    /** Outcome of the cheap route on this memory's query, in [0, 1]; 0.5 when unknown. */
    public static final int C_CHEAP_OUTCOME = 8;
    /** Outcome of the strong route on this memory's query, in [0, 1]; 0.5 when unknown. */
    public static final int C_STRONG_OUTCOME = 9;
    /** 1 when at least one route's outcome is known for this memory. */
    public static final int C_OUTCOME_KNOWN = 10;
    public static final int CANDIDATE_WIDTH = 11;

    // ---- query columns ----
    /** The query embedding occupies columns [0, EMBEDDING_DIM). */
    public static final int EMBEDDING_DIM = org.agentrouter.wire.Embeddings.DIM;
    /** log1p(characters in the query text) / 10. */
    public static final int Q_LENGTH = EMBEDDING_DIM;
    /** 1 when the text looks like code. */
    public static final int Q_CODE = EMBEDDING_DIM + 1;
    /** 1 when the text looks like mathematics. */
    public static final int Q_MATH = EMBEDDING_DIM + 2;
    /** Retrieved candidates / MAX_CANDIDATES. */
    public static final int Q_CANDIDATE_FILL = EMBEDDING_DIM + 3;
    public static final int QUERY_WIDTH = EMBEDDING_DIM + 4;

    public static final double RECENCY_HALF_LIFE_DAYS = 30.0;
    public static final double FREQUENCY_SATURATION = 1000.0;

    /** ONNX tensor names of the model contract. */
    public static final String INPUT_CANDIDATES = "candidates";
    public static final String INPUT_QUERY = "query";
    public static final String OUTPUT_RELEVANCE = "relevance";
    public static final String OUTPUT_P_STRONG = "p_strong";
}
