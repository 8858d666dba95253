/**
 * {@code ./router fuzz}: hostile traffic through Kafka, with the job's own intake as the oracle.
 */
package org.agentrouter.fuzz;
