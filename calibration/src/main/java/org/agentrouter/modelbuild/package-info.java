/**
 * Offline: the seed model and the ONNX graphs of trained routers and of the relevance head ({@code RelevanceGraph}),
 * built to the serving contract.
 */
package org.agentrouter.modelbuild;
