package org.agentrouter.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.trace.SpanContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sampling decision, the W3C header handling and the settings' resolution: pure logic, no exporter. */
class TraceSamplingTest {
    private static final String SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final String NOT_SAMPLED = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

    @Test
    void aParentsSampledFlagDecidesWhateverTheRatio() {
        assertTrue(new TraceSampling(0.0001).sample(SAMPLED, 0, 1));
        assertFalse(new TraceSampling(1.0).sample(NOT_SAMPLED, 0, 1));
    }

    @Test
    void withoutAParentTheRatioOfConsecutiveOffsetsIsSampled() {
        for (double ratio : new double[] {0.01, 0.1, 0.5}) {
            TraceSampling sampling = new TraceSampling(ratio);
            int n = 200_000;
            int sampled = 0;
            for (int i = 0; i < n; i++) if (sampling.sample(null, i % 3, i / 3)) sampled++;
            double share = sampled / (double) n;
            // Binomial: 5 standard deviations.
            assertEquals(ratio, share, 5 * Math.sqrt(ratio * (1 - ratio) / n), "ratio " + ratio);
        }
        assertTrue(new TraceSampling(1.0).sample(null, 0, Long.MAX_VALUE));
        assertFalse(new TraceSampling(0.0).sample(null, 0, 17));
    }

    @Test
    void theSameRecordIsSampledAgainAfterAReplay() {
        TraceSampling sampling = new TraceSampling(0.3);
        for (long offset = 0; offset < 1000; offset++) {
            assertEquals(sampling.sample(null, 2, offset), new TraceSampling(0.3).sample(null, 2, offset));
        }
    }

    @Test
    void aMalformedHeaderCountsAsNone() {
        for (String bad : new String[] {"", "garbage", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", SAMPLED.replace('-', '_'),
                SAMPLED + "x"}) {
            assertFalse(TraceParent.wellFormed(bad), bad);
            assertFalse(new TraceSampling(0).sample(bad, 0, 0), bad);
        }
        assertTrue(TraceParent.wellFormed(SAMPLED + "-future-fields"));
        assertFalse(TraceParent.parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01", null).isValid());
    }

    @Test
    void parsesAndFormatsTheW3CHeaders() {
        SpanContext c = TraceParent.parse(SAMPLED, "vendor=a,other=b");
        assertTrue(c.isValid() && c.isRemote() && c.isSampled());
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", c.getTraceId());
        assertEquals("00f067aa0ba902b7", c.getSpanId());
        assertEquals(SAMPLED, TraceParent.format(c));
        assertEquals("vendor=a,other=b", TraceParent.formatState(c));
        assertNull(TraceParent.formatState(TraceParent.parse(SAMPLED, null)));
    }

    @Test
    void settingsComeFromTheOptionsElseTheStandardEnvironment() {
        TracingSettings s = new TracingSettings();
        assertNull(s.resolve(Map.of()), "no endpoint anywhere: tracing is off");
        TracingSettings.Resolved env = s.resolve(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318", "OTEL_SERVICE_NAME", "router-eu"));
        assertEquals("http://collector:4318", env.endpoint());
        assertEquals(TracingSettings.HTTP_PROTOBUF, env.protocol());
        assertEquals("router-eu", env.serviceName());
        assertEquals("http://collector:4318/v1/traces", StageTracer.httpTracesUrl(env.endpoint()));
        assertEquals("http://t:4318/v1/traces", StageTracer.httpTracesUrl("http://t:4318/v1/traces"));

        s.endpoint = "http://jaeger:4317";
        s.protocol = TracingSettings.GRPC;
        TracingSettings.Resolved given = s.resolve(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://other:4318"));
        assertEquals("http://jaeger:4317", given.endpoint());
        assertEquals(TracingSettings.GRPC, given.protocol());
        assertEquals("agent-router", given.serviceName());

        s.samplingRatio = 0;
        assertNull(s.resolve(Map.of()), "ratio 0: off, whatever else is set");
        assertThrows(IllegalArgumentException.class, () -> ratio(1.5).validate());
        TracingSettings wrongProtocol = new TracingSettings();
        wrongProtocol.protocol = "thrift";
        assertThrows(IllegalArgumentException.class, wrongProtocol::validate);
        TracingSettings noScheme = new TracingSettings();
        noScheme.endpoint = "collector:4317";
        assertThrows(IllegalArgumentException.class, noScheme::validate);
    }

    @Test
    void offMeansNoTracerAtAll() {
        assertNull(StageTracer.open(new TracingSettings(), "decode", 0, Map.of()));
        assertNull(StageTracer.open(null, "decode", 0, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")));
        assertNull(StageTracer.open(ratio(0), "decode", 0, Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")));
    }

    private static TracingSettings ratio(double r) {
        TracingSettings s = new TracingSettings();
        s.samplingRatio = r;
        return s;
    }
}
