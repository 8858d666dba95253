/**
 * Microbenchmarks (JMH) of the decision path, stage by stage, and the comparison with their baseline
 * ({@code ./router bench micro}).
 */
package org.agentrouter.bench;
