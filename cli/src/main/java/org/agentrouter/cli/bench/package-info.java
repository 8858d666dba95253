/**
 * Benchmark commands: bench micro, retrieval and pipeline (the command, its sweep and its broker), rollout
 * latency.
 */
package org.agentrouter.cli.bench;
