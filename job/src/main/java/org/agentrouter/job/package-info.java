/**
 * The Flink job: its graph ({@code RouterJob}) over named endpoints ({@code RouterEndpoints}), the Kafka
 * endpoints, its options and the one launch recipe ({@code RouterJob.onKafka}). Depends on the operators alone;
 * a cluster runs it from {@code job-VERSION-cluster.jar}.
 */
package org.agentrouter.job;
