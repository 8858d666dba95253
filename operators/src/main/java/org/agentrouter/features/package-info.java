/**
 * Between stages <b>retrieve</b> and <b>score</b>: the model's input, {@code FeatureLayout} (versioned; v2 adds the
 * context columns), the candidate rows and the query row ({@code FeatureAssembler}), the context columns computed
 * from the candidate set and the query text ({@code ContextFeatures}, {@code QuerySignals}), made from a retrieval
 * ({@code CandidateRetriever}).
 */
package org.agentrouter.features;
