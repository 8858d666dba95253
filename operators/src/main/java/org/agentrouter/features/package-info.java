/**
 * Between stages <b>retrieve</b> and <b>score</b>: the model's input, {@code FeatureLayout} (versioned),
 * the candidate rows and the query row ({@code FeatureAssembler}), made from a retrieval ({@code CandidateRetriever}).
 */
package org.agentrouter.features;
