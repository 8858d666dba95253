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

    /**
     * Bump whenever a column below changes meaning, order or scaling. Version 2 appended the context columns
     * ({@link #C_LEXICAL} on); columns 0-10 are those of version 1, so a version-1 model is served by feeding
     * it the first {@link #V1_CANDIDATE_WIDTH} columns ({@code OnnxScorer}).
     */
    public static final int VERSION = 2;
    /** The oldest layout a release may still be trained on. */
    public static final int OLDEST_SERVED_VERSION = 1;

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
    /** The candidate width of layout version 1 (the columns above). */
    public static final int V1_CANDIDATE_WIDTH = 11;

    // ---- version 2: what makes a memory the context a query needs (ContextFeatures) ----
    /** BM25 score of the memory against the query text over the best BM25 score of the query, in [0, 1]; 0 when not a lexical hit. */
    public static final int C_LEXICAL = 11;
    /** 10 / (10 + rank) among the lexical hits (rank 0 = best), 0 when not a lexical hit. */
    public static final int C_LEXICAL_RANK = 12;
    /** 10 / (10 + rank) among the dense (cosine) hits, 0 when found by its words only. */
    public static final int C_DENSE_RANK = 13;
    /** Similarity minus the best similarity among the query's candidates, in [-2, 0]. */
    public static final int C_SIMILARITY_GAP = 14;
    /** Share of the names in the query (capitalised words past the first) that the memory's text contains, in [0, 1]. */
    public static final int C_ENTITY_OVERLAP = 15;
    /** 1 when the query names anything (so that C_ENTITY_OVERLAP = 0 can mean "none of them"). */
    public static final int C_QUERY_NAMES = 16;
    /** Best similarity of another candidate of the memory's session minus the best similarity, in [-2, 0]; -1 when none. */
    public static final int C_SESSION_SIMILARITY = 17;
    /** Best C_LEXICAL of another candidate of the memory's session, in [0, 1]; 0 when none. */
    public static final int C_SESSION_LEXICAL = 18;
    /** Other candidates from the memory's session / MAX_CANDIDATES. */
    public static final int C_SESSION_SHARE = 19;
    /** 1 when the query names a month and/or year and the memory's time falls in it, else 0. */
    public static final int C_TIME_MATCH = 20;
    /** 1 when the query asks for a time ("when", "what year", "how long"). */
    public static final int C_QUERY_TEMPORAL = 21;
    /** 1 when the memory's text holds a time expression (yesterday, last week, a month, a year, ...). */
    public static final int C_MEMORY_TIME_WORDS = 22;
    /** log1p(characters of the memory's text) / log1p(1000), clipped to [0, 1]. */
    public static final int C_TEXT_LENGTH = 23;
    /**
     * Best similarity of a neighbouring candidate (same session, created within {@link #NEIGHBOUR_WINDOW_MS}) minus
     * the best similarity, in [-2, 0]; -1 when none. A question's evidence is often the answer next to the turn
     * that matches the question.
     */
    public static final int C_NEIGHBOUR_SIMILARITY = 24;
    /** Best C_LEXICAL of a neighbouring candidate, in [0, 1]; 0 when none. */
    public static final int C_NEIGHBOUR_LEXICAL = 25;
    public static final int CANDIDATE_WIDTH = 26;

    /** Two memories of one session created this close are neighbours (about three turns of a conversation). */
    public static final long NEIGHBOUR_WINDOW_MS = 180_000;

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

    /** Candidate columns of a served layout version ({@link #OLDEST_SERVED_VERSION}..{@link #VERSION}), -1 for others. */
    public static int candidateWidth(int layoutVersion) {
        return switch (layoutVersion) {
            case 1 -> V1_CANDIDATE_WIDTH;
            case VERSION -> CANDIDATE_WIDTH;
            default -> -1;
        };
    }

    /** ONNX tensor names of the model contract. */
    public static final String INPUT_CANDIDATES = "candidates";
    public static final String INPUT_QUERY = "query";
    public static final String OUTPUT_RELEVANCE = "relevance";
    public static final String OUTPUT_P_STRONG = "p_strong";
}
