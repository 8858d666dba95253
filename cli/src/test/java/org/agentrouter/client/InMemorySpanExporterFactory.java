package org.agentrouter.client;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import org.agentrouter.tracing.SpanExporterFactory;
import org.agentrouter.tracing.TracingSettings;

/**
 * The job's spans, in a MiniCluster in this JVM, into the SDK's in-memory exporter the test reads: named in the job's
 * {@code --span-exporter-factory}, made by each operator in its open(). An operator's close() shuts its exporter down;
 * the shared one stays open for the next job (the tests cancel and restart theirs).
 */
public class InMemorySpanExporterFactory implements SpanExporterFactory {
    static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @Override
    public SpanExporter create(TracingSettings.Resolved settings) {
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return SPANS.export(spans);
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
    }
}
