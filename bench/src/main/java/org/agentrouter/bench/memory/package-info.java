/**
 * Studies and benchmarks of the retrieve stage's scans (kernels, recall on real embeddings), through the
 * memory rooms' public API.
 */
package org.agentrouter.bench.memory;
