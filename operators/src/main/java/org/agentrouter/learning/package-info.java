/**
 * Learning per namespace (issue 21): the shared prior of a new namespace, what a namespace's outcomes say about how
 * often it needs the strong model (from partial feedback and probes), and the decision with stage thresholds
 * calibrated on replays of public subjects. Flink-free: the job's retrieval operator keeps
 * {@link org.agentrouter.learning.NamespaceOutcomes} in keyed state with {@code --learning on} ({@code NamespaceLearning}),
 * {@code ./router replay} in a map.
 */
package org.agentrouter.learning;
