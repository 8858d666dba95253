package org.agentrouter.cluster;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.agentrouter.runtime.OtlpTraceReceiver;
import org.agentrouter.runtime.OtlpTraceReceiver.ReceivedSpan;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Traces across processes: the test plays the agent (its spans in the SDK's in-memory exporter: a PRODUCER span per
 * traced query, its context in the record's traceparent header, and the LLM call it makes after the decision) and
 * the job's TaskManagers export theirs over OTLP/HTTP to an {@link OtlpTraceReceiver} in this JVM.
 */
final class QueryTraces implements AutoCloseable {
    static final List<String> STAGES = List.of("decode", "retrieve", "score", "route");

    final OtlpTraceReceiver receiver;
    private final int every;
    private final InMemorySpanExporter agentSpans = InMemorySpanExporter.create();
    private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(agentSpans)).build();
    private final Tracer tracer = provider.get("failover-test-agent");
    private final Map<String, SpanContext> sent = new ConcurrentHashMap<>();
    private final Map<String, Long> sentNanos = new ConcurrentHashMap<>();

    /** Traces one query in {@code every}. */
    QueryTraces(int every) throws java.io.IOException {
        this.every = every;
        this.receiver = OtlpTraceReceiver.start();
    }

    /** Starts the agent's span and puts its context on the record; the returned action ends it once the send is acknowledged. */
    Runnable beforeSend(ProducerRecord<String, byte[]> record, String queryId, long index) {
        if (index % every != 0) return () -> { };
        Span span = tracer.spanBuilder("route").setSpanKind(SpanKind.PRODUCER).setAttribute("messaging.message.id", queryId).startSpan();
        W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), record.headers(),
                (headers, key, value) -> headers.add(key, value.getBytes(StandardCharsets.US_ASCII)));
        sent.put(queryId, span.getSpanContext());
        sentNanos.put(queryId, System.nanoTime());
        return span::end;
    }

    Set<String> tracedQueries() {
        return sent.keySet();
    }

    /** When (System.nanoTime) the traced query was sent. */
    long sentNanos(String queryId) {
        return sentNanos.get(queryId);
    }

    String agentTraceId(String queryId) {
        return sent.get(queryId).getTraceId();
    }

    /**
     * Null when the query's trace is whole: the job's consume span a child of the agent's span, one span per stage under
     * it, the decision's traceparent (the header {@code decisionTraceparent}) one of its route spans, and the agent's LLM
     * call, made here from that header, that route span's child. Else what is missing. A replayed query may have more
     * than one consume span (at-least-once); one complete set is enough.
     */
    String problem(String queryId, String decisionTraceparent) {
        SpanContext agent = sent.get(queryId);
        if (decisionTraceparent == null) return "the decision of " + queryId + " has no traceparent";
        List<ReceivedSpan> spans = receiver.trace(agent.getTraceId());
        Optional<ReceivedSpan> consume = spans.stream()
                .filter(s -> s.kind() == ReceivedSpan.CONSUMER && s.name().equals("process agent-queries")
                        && s.parentSpanId().equals(agent.getSpanId()) && queryId.equals(s.attributes().get("messaging.message.id"))
                        && STAGES.stream().allMatch(stage -> has(spans, stage, s.spanId())))
                .findFirst();
        if (consume.isEmpty()) return "no consume span with every stage under the agent's span in " + names(spans);
        Context decided = W3CTraceContextPropagator.getInstance().extract(Context.root(), decisionTraceparent, HEADER);
        SpanContext routing = Span.fromContext(decided).getSpanContext();
        if (!routing.getTraceId().equals(agent.getTraceId())) return "the decision's trace " + routing.getTraceId() + " is another";
        boolean fromRoute = spans.stream().anyMatch(s -> s.name().equals("route") && s.kind() == ReceivedSpan.INTERNAL
                && s.spanId().equals(routing.getSpanId()));
        if (!fromRoute) return "the decision's parent " + routing.getSpanId() + " is no route span of " + names(spans);
        Span llm = tracer.spanBuilder("chat").setSpanKind(SpanKind.CLIENT).setParent(decided).startSpan();
        llm.end();
        SpanData done = agentSpans.getFinishedSpanItems().stream()
                .filter(s -> s.getSpanId().equals(llm.getSpanContext().getSpanId())).findFirst().orElseThrow();
        if (!done.getParentSpanId().equals(routing.getSpanId()) || !done.getTraceId().equals(agent.getTraceId())) {
            return "the LLM call is not the routing span's child";
        }
        return null;
    }

    private static boolean has(List<ReceivedSpan> spans, String stage, String parent) {
        return spans.stream().anyMatch(s -> s.name().equals(stage) && s.kind() == ReceivedSpan.INTERNAL && s.parentSpanId().equals(parent));
    }

    private static List<String> names(List<ReceivedSpan> spans) {
        return spans.stream().map(s -> s.name() + "(" + s.spanId() + "<-" + s.parentSpanId() + ")").toList();
    }

    private static final TextMapGetter<String> HEADER = new TextMapGetter<>() {
        public Iterable<String> keys(String carrier) {
            return List.of("traceparent");
        }

        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };

    @Override
    public void close() {
        provider.close();
        receiver.close();
    }
}
