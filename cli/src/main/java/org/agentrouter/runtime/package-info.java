/**
 * The local stack: the embedded Kafka broker (KRaft), topic administration ({@code TopicAdmin}), demo data,
 * the stack the clients' tests run, and the job on an in-process MiniCluster ({@code LocalRouterJob}).
 */
package org.agentrouter.runtime;
