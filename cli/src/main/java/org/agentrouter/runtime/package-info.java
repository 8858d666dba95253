/**
 * The local stack: the embedded Kafka broker (KRaft), topic administration ({@code TopicAdmin}), demo data,
 * the stack the clients' tests run, and the job on an in-process MiniCluster ({@code LocalRouterJob}); the readers
 * of the job's output topics that commands report from ({@code HealthStatusReader}, {@code RolloutTopics}).
 */
package org.agentrouter.runtime;
