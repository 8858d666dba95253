package org.agentrouter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.agentrouter.runtime.OtlpTraceReceiver.ReceivedSpan;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The SDK's own OTLP/HTTP exporter, as the job uses it, into the receiver the cluster tests read: every field they check. */
class OtlpTraceReceiverTest {
    @ParameterizedTest
    @ValueSource(strings = {"none", "gzip"})
    void readsWhatTheOtlpExporterSends(String compression) throws Exception {
        try (OtlpTraceReceiver receiver = OtlpTraceReceiver.start()) {
            SdkTracerProvider provider = SdkTracerProvider.builder()
                    .setResource(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "receiver-test")))
                    .addSpanProcessor(SimpleSpanProcessor.create(OtlpHttpSpanExporter.builder()
                            .setEndpoint(receiver.endpoint() + "/v1/traces").setCompression(compression).build()))
                    .build();
            Tracer tracer = provider.get("test");
            Span parent = tracer.spanBuilder("process agent-queries").setSpanKind(SpanKind.CONSUMER)
                    .setAttribute("messaging.message.id", "q-1").setAttribute("messaging.kafka.offset", 42L).startSpan();
            Span child = tracer.spanBuilder("score").setParent(Context.root().with(parent))
                    .setAttribute("agent_router.score.p_strong", 0.25).setAttribute("flag", true).startSpan();
            child.setStatus(StatusCode.ERROR, "scorer failed");
            child.end();
            parent.end();
            provider.forceFlush().join(10, TimeUnit.SECONDS);
            provider.close();

            List<ReceivedSpan> spans = receiver.trace(parent.getSpanContext().getTraceId());
            Map<String, ReceivedSpan> byName = spans.stream().collect(Collectors.toMap(ReceivedSpan::name, s -> s));
            ReceivedSpan consume = byName.get("process agent-queries");
            ReceivedSpan score = byName.get("score");
            assertEquals(2, spans.size(), receiver.describe());
            assertEquals("receiver-test", consume.service());
            assertEquals(parent.getSpanContext().getSpanId(), consume.spanId());
            assertEquals("", consume.parentSpanId());
            assertEquals(ReceivedSpan.CONSUMER, consume.kind());
            assertEquals("q-1", consume.attributes().get("messaging.message.id"));
            assertEquals(42L, consume.attributes().get("messaging.kafka.offset"));
            assertEquals(consume.spanId(), score.parentSpanId());
            assertEquals(ReceivedSpan.INTERNAL, score.kind());
            assertEquals(0.25, score.attributes().get("agent_router.score.p_strong"));
            assertEquals(true, score.attributes().get("flag"));
            assertEquals(ReceivedSpan.STATUS_ERROR, score.statusCode());
            assertEquals(true, score.endNanos() >= score.startNanos() && score.startNanos() > 0);
        }
    }
}
