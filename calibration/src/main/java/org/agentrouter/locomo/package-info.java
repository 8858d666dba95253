/**
 * Offline, {@code ./router eval-context} and {@code ./router train-relevance}: LoCoMo conversations as memories
 * (LocomoData, LocomoMemories, cached MiniLM vectors), each question retrieved and scored by the job's own code
 * (ContextCandidates, ContextEvaluation), the context measured against the evidence turns (ContextMetrics) next
 * to the baselines (BaselineRankings: cosine, BM25, their fusions); the studies that chose the relevance head.
 */
package org.agentrouter.locomo;
