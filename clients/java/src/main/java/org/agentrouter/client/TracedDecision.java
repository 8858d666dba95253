package org.agentrouter.client;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import org.agentrouter.schema.RoutingDecision;

/**
 * A decision with the trace context it came with: the {@code traceparent} header of the decision record (the router's
 * routing step, when the router traced the query; else the context the query was sent with), or, for a local
 * fallback, the client's own span. The agent's next call, typically its LLM request, continues the trace from it:
 *
 * <pre>{@code
 * TracedDecision routed = router.routeTraced(query).get();
 * Span llm = tracer.spanBuilder("chat " + routed.decision().getModel()).setParent(routed.context()).startSpan();
 * }</pre>
 */
public final class TracedDecision {
    private final RoutingDecision decision;
    private final String traceparent;
    private final String tracestate;

    TracedDecision(RoutingDecision decision, String traceparent, String tracestate) {
        this.decision = decision;
        this.traceparent = traceparent;
        this.tracestate = tracestate;
    }

    public RoutingDecision decision() {
        return decision;
    }

    /** The W3C traceparent to continue from; null when neither the agent nor the router traced the query. */
    public String traceparent() {
        return traceparent;
    }

    public String tracestate() {
        return tracestate;
    }

    /** The current context with the decision's span as the parent of the next span (unchanged when there is none). */
    public Context context() {
        if (traceparent == null) return Context.current();
        return W3CTraceContextPropagator.getInstance().extract(Context.current(), this, HEADERS);
    }

    /** The span context of {@link #traceparent()} (invalid when there is none). */
    public SpanContext spanContext() {
        return Span.fromContext(context()).getSpanContext();
    }

    TracedDecision withTrace(String parent, String state) {
        return new TracedDecision(decision, parent, state);
    }

    private static final TextMapGetter<TracedDecision> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(TracedDecision carrier) {
            return List.of(TraceHeaders.TRACEPARENT, TraceHeaders.TRACESTATE);
        }

        @Override
        public String get(TracedDecision carrier, String key) {
            if (carrier == null) return null;
            return TraceHeaders.TRACEPARENT.equals(key) ? carrier.traceparent
                    : TraceHeaders.TRACESTATE.equals(key) ? carrier.tracestate : null;
        }
    };
}
