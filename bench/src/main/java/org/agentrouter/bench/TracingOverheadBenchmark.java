package org.agentrouter.bench;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import org.agentrouter.intake.Decoded;
import org.agentrouter.intake.InputLimits;
import org.agentrouter.intake.QueryIntake;
import org.agentrouter.query.QueryContext;
import org.agentrouter.tracing.SpanExporterFactory;
import org.agentrouter.tracing.StageTracer;
import org.agentrouter.tracing.TraceParent;
import org.agentrouter.tracing.TracingSettings;
import org.agentrouter.wire.AvroWire;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What tracing costs a query on the decode stage and the stage hand-overs after it, in the order QueryDecoder and
 * the later stages do it: the head-sampling gate ({@link StageTracer#sampled}), the consume and decode spans when
 * sampled, the Avro decode and validation ({@link QueryIntake}), the trace fields copied onto the query, and each
 * later stage's gate (embed, retrieve, score, route: a span each when sampled, the route's context formatted for the
 * decision). {@code tracing}:
 * <ul>
 *   <li>{@code absent}: no tracer (tracing off: no endpoint, or {@code --trace-sampling 0});</li>
 *   <li>{@code unsampled}: a tracer at ratio 0.01, a record without a traceparent that the ratio leaves out;</li>
 *   <li>{@code unsampledParent}: a tracer, a record whose agent sent a traceparent with the sampled flag off;</li>
 *   <li>{@code sampled}: a record that is traced (every span made and handed to a batch processor whose exporter drops
 *       them), for scale.</li>
 * </ul>
 * The requirement is {@code unsampled} and {@code unsampledParent} equal to {@code absent} within noise;
 * {@link #samplingDecision} is the gate alone. Results: BENCHMARKS.md "Tracing overhead".
 */
@State(Scope.Thread)
public class TracingOverheadBenchmark {
    private static final String[] LATER_STAGES = {"embed", "retrieve", "score", "route"};

    @Param({"absent", "unsampled", "unsampledParent", "sampled"})
    public String tracing;

    private QueryIntake intake;
    private byte[] bytes;
    private StageTracer tracer;
    private String traceparent;
    private long offset;
    /** Offsets the ratio leaves out (unsampled): the benchmark cycles through them. */
    private long[] offsets;
    private int next;
    /** What the route stage puts on the decision (kept so the formatting is not optimised away). */
    public String decisionTraceparent;

    @Setup
    public void setUp() {
        intake = new QueryIntake(100, new InputLimits());
        bytes = AvroWire.QUERY.encode(new DecisionInputs(31).query);
        if (!tracing.equals("absent")) {
            TracingSettings settings = new TracingSettings();
            settings.samplingRatio = tracing.equals("sampled") ? 1.0 : 0.01;
            settings.exporterFactory = DroppingExporterFactory.class.getName();
            tracer = StageTracer.open(settings.validate(), "decode", 0, java.util.Map.of());
        }
        if (tracing.equals("unsampledParent")) traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
        offsets = new long[1024];
        int n = 0;
        for (long o = 0; n < offsets.length; o++) {
            // Only offsets on the path under test: left out by the ratio, or (sampled) traced.
            if (tracer == null || StageTracer.sampled(tracer, traceparent, 0, o) == tracing.equals("sampled")) offsets[n++] = o;
        }
    }

    @TearDown
    public void tearDown() {
        if (tracer != null) tracer.close();
    }

    @Benchmark
    public QueryContext decodeAndStageGates() {
        offset = offsets[next++ & (offsets.length - 1)];
        Span consume = null;
        Span decode = null;
        if (StageTracer.sampled(tracer, traceparent, 0, offset)) {
            consume = tracer.startConsume(traceparent, null, "agent-queries", 0, offset);
            decode = tracer.startStage("decode", consume);
        }
        Decoded<QueryContext> read = intake.read(bytes);
        QueryContext q = read.value;
        q.traceparent = traceparent;
        q.tracestate = null;
        if (consume != null) {
            q.traced = true;
            q.traceparent = TraceParent.format(consume.getSpanContext());
            decode.end();
            consume.end();
        }
        for (String stage : LATER_STAGES) {
            Span span = q.traced && tracer != null ? tracer.startStage(stage, q.traceparent, q.tracestate) : null;
            if (span != null) {
                if (stage.equals("route")) decisionTraceparent = TraceParent.format(span.getSpanContext());
                span.end();
            }
        }
        return q;
    }

    /** The gate alone: what an unsampled query pays at decode on top of the untraced path (later stages: a field check). */
    @Benchmark
    public boolean samplingDecision() {
        return StageTracer.sampled(tracer, traceparent, 0, offsets[next++ & (offsets.length - 1)]);
    }

    /** Spans go nowhere: the figure is the job's side of tracing, not a collector's. */
    public static final class DroppingExporterFactory implements SpanExporterFactory {
        @Override
        public SpanExporter create(TracingSettings.Resolved settings) {
            return new SpanExporter() {
                @Override
                public CompletableResultCode export(Collection<SpanData> spans) {
                    return CompletableResultCode.ofSuccess();
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
}
