/**
 * Learning per namespace (issue 21): the learner that sets stage thresholds and probes from partial feedback.
 * Used by {@code ./router replay}; not wired into the job yet.
 */
package org.agentrouter.learning;
