/**
 * {@code ./router cluster} and {@code submit}: a multi-process Flink cluster on one machine, and submitting
 * the job's cluster jar to it.
 */
package org.agentrouter.cluster;
