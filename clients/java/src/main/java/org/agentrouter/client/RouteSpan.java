package org.agentrouter.client;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.HashMap;
import java.util.Map;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.apache.kafka.common.header.Headers;

/**
 * The client's span of one routing call: PRODUCER {@code route}, from the call until its decision (or fallback), with
 * OpenTelemetry's messaging attributes (the query id is the message id) and what was decided. Never the query text.
 */
final class RouteSpan {
    static final String SCOPE = "org.agentrouter.client";
    static final String NAME = "route";
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("agent_router.route");
    private static final AttributeKey<String> MODEL = AttributeKey.stringKey("agent_router.model");
    private static final AttributeKey<String> FALLBACK_LEVEL = AttributeKey.stringKey("agent_router.fallback.level");
    private static final AttributeKey<String> FALLBACK_REASON = AttributeKey.stringKey("agent_router.fallback.reason");

    private final Span span;
    private final Context context;

    private RouteSpan(Span span) {
        this.span = span;
        this.context = Context.current().with(span);
    }

    static RouteSpan start(Tracer tracer, AgentQuery query) {
        return new RouteSpan(tracer.spanBuilder(NAME).setSpanKind(SpanKind.PRODUCER)
                .setAttribute("messaging.system", "kafka")
                .setAttribute("messaging.operation.type", "send")
                .setAttribute("messaging.operation.name", "send")
                .setAttribute("messaging.destination.name", RouterClient.QUERIES_TOPIC)
                .setAttribute("messaging.message.id", query.getQueryId())
                .setAttribute("agent_router.namespace", query.getNamespace())
                .startSpan());
    }

    /** This span (or, with a no-op SDK, the caller's current one) as the query record's trace context. */
    void inject(Headers headers) {
        TraceHeaders.inject(context, headers);
    }

    void sent(int partition, long offset) {
        span.setAttribute("messaging.destination.partition.id", Integer.toString(partition));
        span.setAttribute("messaging.kafka.offset", offset);
    }

    TracedDecision decided(TracedDecision d) {
        describe(d.decision());
        span.end();
        return d;
    }

    /** A local fallback: the agent's next span continues from this one (the router never saw the query, or never answered). */
    TracedDecision fallback(RoutingDecision d) {
        describe(d);
        span.setStatus(StatusCode.ERROR, d.getFallbackReason());
        span.end();
        Map<String, String> headers = new HashMap<>();
        io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator.getInstance().inject(context, headers, Map::put);
        return new TracedDecision(d, headers.get(TraceHeaders.TRACEPARENT), headers.get(TraceHeaders.TRACESTATE));
    }

    void failed(Throwable e) {
        span.recordException(e);
        span.setStatus(StatusCode.ERROR, e.getMessage());
        span.end();
    }

    private void describe(RoutingDecision d) {
        span.setAttribute(ROUTE, d.getRoute());
        span.setAttribute(MODEL, d.getModel());
        span.setAttribute(FALLBACK_LEVEL, d.getFallbackLevel().name());
        if (d.getFallbackLevel() != FallbackLevel.NONE && d.getFallbackReason() != null) {
            span.setAttribute(FALLBACK_REASON, d.getFallbackReason());
        }
    }
}
