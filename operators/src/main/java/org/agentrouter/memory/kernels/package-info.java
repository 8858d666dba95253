/**
 * Stage <b>retrieve</b>, the scans: int8, 4-bit and 2-bit dot products and float cosine, in plain Java, with
 * the Vector API and as native AVX2 code, the fastest chosen at run time.
 */
package org.agentrouter.memory.kernels;
