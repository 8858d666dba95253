/**
 * Offline, {@code ./router rollout report}: the challenger against the champion on the outcomes agents reported.
 * Decisions from routing-metrics joined with routing-feedback per variant ({@code RolloutRecords},
 * {@code VariantTally}), their intervals, differences and power (Apache Commons Statistics; {@code RolloutStatistics})
 * and the verdict ({@code RolloutReport}). The topics are read by the CLI (cli's {@code runtime.RolloutTopics}).
 */
package org.agentrouter.rollout.report;
