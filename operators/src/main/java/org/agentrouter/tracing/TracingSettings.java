package org.agentrouter.tracing;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;

/**
 * How the job traces queries, shipped with the job graph. Tracing is on when the sampling ratio is above 0 and spans
 * have somewhere to go: an OTLP endpoint ({@code --otlp-endpoint}, else the TaskManager's standard
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} / {@code OTEL_EXPORTER_OTLP_ENDPOINT}) or an exporter factory. Off, the
 * job still forwards a query's {@code traceparent} to its decision unchanged, so the agent's trace goes on.
 */
public final class TracingSettings implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String GRPC = "grpc";
    public static final String HTTP_PROTOBUF = "http/protobuf";

    /**
     * Share of queries without a parent context that the job traces (head sampling, decided at decode by the query
     * id); a query whose client sent a {@code traceparent} follows its sampled flag. 0 turns tracing off entirely.
     */
    public double samplingRatio = 0.01;
    /** OTLP endpoint (gRPC: {@code http://collector:4317}; http/protobuf: {@code http://collector:4318}); null: from the environment. */
    public String endpoint;
    /** {@value #GRPC} or {@value #HTTP_PROTOBUF}; null: {@code OTEL_EXPORTER_OTLP_PROTOCOL}, else http/protobuf. */
    public String protocol;
    /** The {@code service.name} of the job's spans; null: {@code OTEL_SERVICE_NAME}, else agent-router. */
    public String serviceName;
    /** Spans wait at most this long in an operator's batch before they are exported. */
    public long exportDelayMs = 1_000;
    /**
     * Class name of a {@link SpanExporterFactory} (public, no-argument constructor) that replaces the OTLP exporter,
     * resolved in each operator's open(); null for OTLP. For exporters a deployment brings, and for tests.
     */
    public String exporterFactory;

    public TracingSettings validate() {
        if (!(samplingRatio >= 0 && samplingRatio <= 1)) {
            throw new IllegalArgumentException("trace sampling ratio must be in [0, 1], got " + samplingRatio);
        }
        if (protocol != null && !GRPC.equals(protocol) && !HTTP_PROTOBUF.equals(protocol)) {
            throw new IllegalArgumentException("OTLP protocol must be " + GRPC + " or " + HTTP_PROTOBUF + ", got " + protocol);
        }
        if (endpoint != null && !(endpoint.startsWith("http://") || endpoint.startsWith("https://"))) {
            throw new IllegalArgumentException("OTLP endpoint must be an http:// or https:// URL, got " + endpoint);
        }
        if (exportDelayMs < 1) {
            throw new IllegalArgumentException("span export delay must be >= 1 ms, got " + exportDelayMs);
        }
        return this;
    }

    /** What an operator resolves in open(): these settings, completed from its process's environment. */
    public Resolved resolve(Map<String, String> env) {
        if (samplingRatio <= 0) return null;
        String proto = protocol != null ? protocol
                : first(env.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"), env.get("OTEL_EXPORTER_OTLP_PROTOCOL"), HTTP_PROTOBUF);
        proto = proto.toLowerCase(Locale.ROOT);
        String url = endpoint;
        if (url == null && env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != null) {
            url = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); // the full URL, by the spec's rules
        } else if (url == null && env.get("OTEL_EXPORTER_OTLP_ENDPOINT") != null) {
            url = env.get("OTEL_EXPORTER_OTLP_ENDPOINT");
        }
        if (url == null && exporterFactory == null) return null;
        String service = first(serviceName, env.get("OTEL_SERVICE_NAME"), "agent-router");
        return new Resolved(samplingRatio, url, proto, service, exportDelayMs, exporterFactory);
    }

    private static String first(String... values) {
        for (String v : values) if (v != null && !v.isBlank()) return v;
        return null;
    }

    /** Settings with everything known: tracing is on. {@code endpoint} is null when a factory exports. */
    public record Resolved(double samplingRatio, String endpoint, String protocol, String serviceName, long exportDelayMs,
                           String exporterFactory) {}
}
