package org.agentrouter.memory;


/**
 * A top-k search over the memories of one namespace. {@code MemoryStore} answers it exactly inside
 * sqlite-vec; {@code QuantizedIndex} answers it from a memory-resident int8 copy and rescoring in SQLite.
 * Implementations reuse buffers: one per task slot, not thread-safe.
 */
public interface MemorySearch {
    /**
     * Top-{@code k} by cosine similarity among the memories of {@code namespace} that pass {@code filter}
     * (null: none). Clears {@code out}, fills it best first, returns the number of rows.
     */
    int topK(String namespace, float[] query, int k, RetrievalFilter filter, CandidateSet out);
}
