package org.agentrouter.tracing;

import io.opentelemetry.sdk.trace.export.SpanExporter;

/**
 * Makes the exporter of one operator's spans instead of OTLP ({@link TracingSettings#exporterFactory}). Implementations
 * need a public no-argument constructor: the class is named in the job's configuration and loaded where the operator runs.
 */
public interface SpanExporterFactory {
    SpanExporter create(TracingSettings.Resolved settings);
}
