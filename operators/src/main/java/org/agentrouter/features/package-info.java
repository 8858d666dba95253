/**
 * Between stages <b>retrieve</b> and <b>score</b>: the model's input, {@code FeatureLayout} (versioned; v2 adds the
 * context columns, v3 query coverage and pseudo-relevance feedback), the candidate rows and the query row
 * ({@code FeatureAssembler}), the context columns computed from the candidate set and the query text
 * ({@code ContextFeatures}, {@code QuerySignals}, {@code QueryTerms}), made from a retrieval
 * ({@code CandidateRetriever}).
 */
package org.agentrouter.features;
