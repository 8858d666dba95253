package org.agentrouter.tracing;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;

/**
 * W3C trace context ({@code traceparent}, {@code tracestate}) as it travels in Kafka record headers and on the query
 * record. {@link #sampled} looks at a header without allocating (the decode stage asks it of every query that has
 * one); parsing and formatting are for sampled queries only, and use OpenTelemetry's own W3C propagator.
 */
public final class TraceParent {
    /** Kafka record header names, as W3C names the HTTP headers (the messaging convention). */
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    /** {@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}. */
    private static final int LENGTH = 55;

    private TraceParent() {}

    /** The header has the shape of a W3C traceparent (version 00's layout, which later versions keep as a prefix). */
    public static boolean wellFormed(String header) {
        return header != null && header.length() >= LENGTH && header.charAt(2) == '-' && header.charAt(35) == '-'
                && header.charAt(52) == '-' && (header.length() == LENGTH || header.charAt(LENGTH) == '-');
    }

    /** The sampled bit of a well-formed header's trace flags. */
    public static boolean sampled(String header) {
        return (Character.digit(header.charAt(54), 16) & 1) == 1;
    }

    /** The remote span context of the header (invalid when the header is not a valid traceparent). */
    public static SpanContext parse(String traceparent, String tracestate) {
        Context extracted = W3CTraceContextPropagator.getInstance().extract(Context.root(), new String[] {traceparent, tracestate}, HEADERS);
        return io.opentelemetry.api.trace.Span.fromContext(extracted).getSpanContext();
    }

    /** The traceparent header of a span context. */
    public static String format(SpanContext c) {
        return "00-" + c.getTraceId() + "-" + c.getSpanId() + "-" + c.getTraceFlags().asHex();
    }

    /** The tracestate header of a span context, or null when it has none. */
    public static String formatState(SpanContext c) {
        TraceState state = c.getTraceState();
        if (state.isEmpty()) return null;
        StringBuilder out = new StringBuilder();
        state.forEach((k, v) -> {
            if (out.length() > 0) out.append(',');
            out.append(k).append('=').append(v);
        });
        return out.toString();
    }

    /** A sampled span context made from ids (tests, and clients without an SDK). */
    public static SpanContext remote(String traceId, String spanId) {
        return SpanContext.createFromRemoteParent(traceId, spanId, TraceFlags.getSampled(), TraceState.getDefault());
    }

    private static final TextMapGetter<String[]> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String[] carrier) {
            return List.of(TRACEPARENT, TRACESTATE);
        }

        @Override
        public String get(String[] carrier, String key) {
            if (carrier == null) return null;
            return TRACEPARENT.equals(key) ? carrier[0] : TRACESTATE.equals(key) ? carrier[1] : null;
        }
    };
}
