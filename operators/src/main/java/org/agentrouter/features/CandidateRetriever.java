package org.agentrouter.features;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.index.HybridSearch;
import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.lexical.LexicalIndex;
import org.agentrouter.memory.MemorySearch;
import org.agentrouter.memory.RetrievalFilter;

/**
 * Retrieval plus feature assembly: from a query to the scorer's two input arrays. The Flink
 * retrieval operator and the offline tools (calibration, evaluation, training) all route through
 * this class, so a model is calibrated and measured on exactly the inputs it sees in the job.
 * One per task slot (it reuses its candidate buffer); not thread-safe.
 */
public final class CandidateRetriever {
    private final MemorySearch store;
    /** Dense + lexical candidates (the job's retrieval); null: {@link #store} alone. */
    private final HybridSearch hybrid;
    private final int k;
    private final CandidateSet candidates = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
    private final ContextFeatures context = new ContextFeatures();

    /**
     * @param store exact search ({@code MemoryStore}) or the fast one ({@code QuantizedIndex}, same top-k);
     *              null: no memory context
     */
    public CandidateRetriever(MemorySearch store, int k) {
        this.store = store;
        this.hybrid = null;
        this.k = Math.min(k, FeatureLayout.MAX_CANDIDATES);
    }

    /** Candidates from both the dense and the lexical index (what the job retrieves with). */
    public CandidateRetriever(HybridSearch hybrid, int k) {
        this.store = null;
        this.hybrid = hybrid;
        this.k = Math.min(k, FeatureLayout.MAX_CANDIDATES);
    }

    /**
     * The job's retrieval over its two indexes: hybrid (dense k + BM25 {@code lexicalK}, {@link HybridSearch}), or the
     * dense index alone when there is no lexical index ({@code lexical} null or {@code lexicalK} 0).
     */
    public static CandidateRetriever over(LiveMemoryIndex dense, LexicalIndex lexical, int k, int lexicalK,
                                          int sessionNeighbours) {
        return lexical == null || lexicalK == 0 ? new CandidateRetriever(dense, k)
                : new CandidateRetriever(new HybridSearch(dense, lexical, FeatureLayout.MAX_CANDIDATES, lexicalK,
                        sessionNeighbours), k);
    }

    /**
     * Fills {@code candidateFeatures} [MAX_CANDIDATES * CANDIDATE_WIDTH] and {@code queryFeatures}
     * [QUERY_WIDTH]; returns the retrieved candidates (valid until the next call).
     */
    public CandidateSet retrieve(String namespace, float[] embedding, String text, String[] tags, String sessionId,
                                 long nowMs, RetrievalFilter filter, float[] candidateFeatures, float[] queryFeatures) {
        candidates.clear();
        if (hybrid != null) {
            hybrid.topK(namespace, embedding, text, k, filter, candidates);
        } else if (store != null) {
            store.topK(namespace, embedding, k, filter, candidates);
        }
        return assemble(embedding, text, tags, sessionId, nowMs, candidateFeatures, queryFeatures);
    }

    /** The features of whatever is in the candidate buffer (empty after a failed retrieval). */
    public CandidateSet assemble(float[] embedding, String text, String[] tags, String sessionId, long nowMs,
                                 float[] candidateFeatures, float[] queryFeatures) {
        int n = FeatureAssembler.candidates(candidates, nowMs, tags, sessionId, candidateFeatures);
        context.fill(candidates, n, text, candidateFeatures);
        FeatureAssembler.query(embedding, text, n, queryFeatures);
        return candidates;
    }

    public CandidateSet clearCandidates() {
        candidates.clear();
        return candidates;
    }
}
