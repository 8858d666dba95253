/**
 * Stage <b>decode + validate</b>, without Flink: a record's bytes become a query, a memory change or an outcome,
 * or a refusal with its category and reason (InputLimits, QueryIntake, QueryValidator, MemoryIntake, FeedbackIntake).
 */
package org.agentrouter.intake;
