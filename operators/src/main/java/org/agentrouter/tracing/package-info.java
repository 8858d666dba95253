/**
 * Traces of queries through the job (OpenTelemetry): which query is sampled ({@link org.agentrouter.tracing.TraceSampling},
 * decided once at decode), the W3C {@code traceparent} carried in Kafka record headers and on the query record
 * ({@link org.agentrouter.tracing.TraceParent}), and each operator's own tracer with its OTLP exporter
 * ({@link org.agentrouter.tracing.StageTracer}, opened in the operator's open(), flushed in close()). Flink-free: the
 * operators in {@code flink} call it.
 */
package org.agentrouter.tracing;
