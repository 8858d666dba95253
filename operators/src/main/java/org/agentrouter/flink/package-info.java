/**
 * The Flink operators, one class per stage of the job's graph (see RouterJob): {@code QueryDecoder} (decode +
 * validate), {@code QueryEmbedder} (embed), {@code MemoryDecoder} and {@code FeedbackDecoder}, {@code MemoryRetriever}
 * (retrieve: keyed state and the in-memory index), {@code CandidateScorer} (score, with the model slots' broadcast
 * state), {@code ConformalRouter} (route), {@code GuaranteeMonitor} and {@code RolloutJudge}; the records that travel
 * between them, their side outputs and their config. The only package of the operators module that knows Flink.
 */
package org.agentrouter.flink;
