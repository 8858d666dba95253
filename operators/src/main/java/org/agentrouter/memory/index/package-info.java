/**
 * Stage <b>retrieve</b>, the job's in-memory index ({@link org.agentrouter.memory.index.LiveMemoryIndex}) fed
 * from keyed state: the 4-bit first pass, the 2-bit coarse pass of large namespaces ({@code CoarsePass}), split
 * scans ({@code SplitScan}) and exact rescoring; one settings record ({@code IndexSettings}). {@code HybridSearch}
 * fuses its dense top-k with the lexical index's BM25 hits (reciprocal rank fusion).
 */
package org.agentrouter.memory.index;
