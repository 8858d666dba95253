/**
 * The Java client for agents: ask the router over Kafka with a deadline and a local fallback, and report
 * outcomes on routing-feedback.
 */
package org.agentrouter.client;
