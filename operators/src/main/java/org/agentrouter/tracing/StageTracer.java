package org.agentrouter.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One operator's tracer: its own {@link SdkTracerProvider} with a batching exporter (OTLP, or a configured factory's),
 * made in the operator's open() and flushed and closed in its close(). {@link #open} returns null when tracing is off,
 * so an operator without a tracer does no tracing work at all. Spans are only ever made for sampled queries.
 *
 * <p>The span model: decode makes the Kafka consume span ({@code process agent-queries}, CONSUMER, a child of the
 * producer's context from the record's {@code traceparent}, else a new trace), and every stage (decode, embed,
 * retrieve, score, route) an INTERNAL span that is a child of the consume span. Route puts its own span's context on
 * the decision, so the agent's next call (its LLM request) is a child of the routing step.
 */
public final class StageTracer implements AutoCloseable {
    public static final String QUERIES_TOPIC_SPAN = "process agent-queries";
    public static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    public static final AttributeKey<String> MESSAGING_OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    public static final AttributeKey<String> MESSAGING_OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    public static final AttributeKey<String> MESSAGING_DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    public static final AttributeKey<String> MESSAGING_PARTITION = AttributeKey.stringKey("messaging.destination.partition.id");
    public static final AttributeKey<Long> MESSAGING_OFFSET = AttributeKey.longKey("messaging.kafka.offset");
    public static final AttributeKey<String> MESSAGING_MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<Long> SUBTASK = AttributeKey.longKey("flink.subtask.index");

    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final TraceSampling sampling;
    private final long subtask;

    private StageTracer(SdkTracerProvider provider, Tracer tracer, TraceSampling sampling, int subtask) {
        this.provider = provider;
        this.tracer = tracer;
        this.sampling = sampling;
        this.subtask = subtask;
    }

    /** The tracer of operator {@code operator}'s subtask, or null when the settings (with {@code env}) leave tracing off. */
    public static StageTracer open(TracingSettings settings, String operator, int subtask, Map<String, String> env) {
        TracingSettings.Resolved r = settings == null ? null : settings.resolve(env);
        if (r == null) return null;
        SpanExporter exporter = exporter(r);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(
                        AttributeKey.stringKey("service.name"), r.serviceName()))))
                .setSampler(Sampler.alwaysOn()) // the sampling decision is made before a span exists (TraceSampling)
                // A full queue drops spans rather than slowing the job; its size bounds the heap tracing can take.
                .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofMillis(r.exportDelayMs()))
                        .setMaxQueueSize(4096).build())
                .build();
        return new StageTracer(provider, provider.get("org.agentrouter." + operator), new TraceSampling(r.samplingRatio()), subtask);
    }

    static SpanExporter exporter(TracingSettings.Resolved r) {
        if (r.exporterFactory() != null) {
            try {
                Class<?> type = Class.forName(r.exporterFactory(), true, Thread.currentThread().getContextClassLoader());
                return ((SpanExporterFactory) type.getConstructor().newInstance()).create(r);
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalArgumentException("span exporter factory " + r.exporterFactory() + " cannot be used: " + e, e);
            }
        }
        if (TracingSettings.GRPC.equals(r.protocol())) {
            return OtlpGrpcSpanExporter.builder().setEndpoint(r.endpoint()).build();
        }
        return OtlpHttpSpanExporter.builder().setEndpoint(httpTracesUrl(r.endpoint())).build();
    }

    /** OTLP/HTTP posts traces to {@code <base>/v1/traces}: the endpoint is the collector's base URL, as OTEL_EXPORTER_OTLP_ENDPOINT. */
    static String httpTracesUrl(String endpoint) {
        if (endpoint.endsWith("/v1/traces")) return endpoint;
        return (endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint) + "/v1/traces";
    }

    /**
     * Whether the decode stage traces this record (head sampling): false at once without a tracer (tracing off), else
     * {@link TraceSampling}'s decision. The only tracing work an unsampled query costs, besides carrying its header on.
     */
    public static boolean sampled(StageTracer tracer, String traceparent, int partition, long offset) {
        return tracer != null && tracer.sampling.sample(traceparent, partition, offset);
    }

    public TraceSampling sampling() {
        return sampling;
    }

    /**
     * The Kafka consume span of a query record: a child of the producer's context ({@code traceparent}, may be null or
     * malformed: then a new trace).
     */
    public Span startConsume(String traceparent, String tracestate, String topic, int partition, long offset) {
        return tracer.spanBuilder(QUERIES_TOPIC_SPAN).setSpanKind(SpanKind.CONSUMER).setParent(parent(traceparent, tracestate))
                .setAttribute(MESSAGING_SYSTEM, "kafka")
                .setAttribute(MESSAGING_OPERATION_TYPE, "process")
                .setAttribute(MESSAGING_OPERATION_NAME, "process")
                .setAttribute(MESSAGING_DESTINATION, topic == null ? "" : topic)
                .setAttribute(MESSAGING_PARTITION, Integer.toString(partition))
                .setAttribute(MESSAGING_OFFSET, offset)
                .setAttribute(SUBTASK, subtask)
                .startSpan();
    }

    /** A stage's span, child of the span whose context is {@code traceparent} (the query's consume span). */
    public Span startStage(String stage, String traceparent, String tracestate) {
        return tracer.spanBuilder(stage).setParent(parent(traceparent, tracestate)).setAttribute(SUBTASK, subtask).startSpan();
    }

    /** A stage's span, child of {@code parent} (decode's, of the consume span it has just started). */
    public Span startStage(String stage, Span parent) {
        return tracer.spanBuilder(stage).setParent(Context.root().with(parent)).setAttribute(SUBTASK, subtask).startSpan();
    }

    private static Context parent(String traceparent, String tracestate) {
        if (!TraceParent.wellFormed(traceparent)) return Context.root();
        SpanContext remote = TraceParent.parse(traceparent, tracestate);
        return remote.isValid() ? Context.root().with(Span.wrap(remote)) : Context.root();
    }

    /** Marks the span failed: {@code errorType} is a low-cardinality class (a dead-letter category), the message free text. */
    public static void fail(Span span, String errorType, String message) {
        span.setAttribute(ERROR_TYPE, errorType);
        span.setStatus(StatusCode.ERROR, message);
    }

    /** Exports what is still queued and stops the exporter. */
    @Override
    public void close() {
        provider.shutdown().join(5, TimeUnit.SECONDS);
    }
}
