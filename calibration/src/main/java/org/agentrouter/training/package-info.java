/**
 * Offline, {@code ./router train}: learned routers trained in Java (DJL, PyTorch), their protocols and their
 * export as releases; {@code ./router train-relevance}: the relevance head (RelevanceNetwork, RelevanceTrainer) and
 * its release (RelevanceRelease).
 */
package org.agentrouter.training;
