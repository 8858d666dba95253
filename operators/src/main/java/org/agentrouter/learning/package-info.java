/**
 * Learning per namespace (issue 21): the shared prior of a new namespace, what a namespace's outcomes say about how
 * often it needs the strong model (from partial feedback and probes), and the decision with stage thresholds
 * calibrated on replays of public subjects. Flink-free: the job's {@code NamespaceRouter} keeps
 * {@link org.agentrouter.learning.NamespaceOutcomes} in keyed state, {@code ./router replay} in a map.
 */
package org.agentrouter.learning;
