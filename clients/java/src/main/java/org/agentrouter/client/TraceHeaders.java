package org.agentrouter.client;

import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * W3C trace context in Kafka record headers, the messaging convention the router's job reads and writes. Always W3C,
 * whatever propagators the agent's SDK has: it is the wire contract with the job.
 */
final class TraceHeaders {
    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";

    private TraceHeaders() {}

    /** Puts {@code context}'s span on the record (nothing when it has no valid span). */
    static void inject(Context context, Headers headers) {
        W3CTraceContextPropagator.getInstance().inject(context, headers, SETTER);
    }

    static String read(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.US_ASCII);
    }

    private static final TextMapSetter<Headers> SETTER = (headers, key, value) -> {
        if (headers == null) return;
        headers.remove(key);
        headers.add(key, value.getBytes(StandardCharsets.US_ASCII));
    };
}
