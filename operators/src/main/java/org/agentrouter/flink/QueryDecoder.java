package org.agentrouter.flink;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.agentrouter.intake.Decoded;
import org.agentrouter.intake.InputLimits;
import org.agentrouter.intake.QueryIntake;
import org.agentrouter.query.QueryContext;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.tracing.StageAttributes;
import org.agentrouter.tracing.StageTracer;
import org.agentrouter.tracing.TraceParent;
import org.agentrouter.tracing.TracingSettings;
import io.opentelemetry.api.trace.Span;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.LoggerFactory;

/**
 * First stage: Avro single-object bytes to a validated {@link QueryContext} ({@link QueryIntake}). Anything that is
 * not a routable query (garbage, an unknown schema, a wrong vector size, NaN, a field out of range or over a limit)
 * goes to the dead-letter side output with its reason and a counter per category; the job never fails on input.
 */
public class QueryDecoder extends ProcessFunction<RawRecord, QueryContext> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "decode";

    private final int maxContextK;
    private final InputLimits limits;
    private final TracingSettings tracing;
    private transient QueryIntake intake;
    /** Null when tracing is off: then no record costs any tracing work. */
    private transient StageTracer tracer;
    private transient Map<ErrorCategory, Counter> deadLetters;
    private transient Counter internalErrors;
    private transient Counter accepted;
    /** probeKeys[i] is a namespace that keyBy sends to retrieval subtask i. */
    private transient String[] probeKeys;
    private transient int subtask;
    private transient int ticks;

    public QueryDecoder(int maxContextK) {
        this(maxContextK, new InputLimits());
    }

    public QueryDecoder(int maxContextK, InputLimits limits) {
        this(maxContextK, limits, null);
    }

    /** With tracing: this stage decides which queries are traced ({@code tracing} null: none). */
    public QueryDecoder(int maxContextK, InputLimits limits, TracingSettings tracing) {
        this.maxContextK = maxContextK;
        this.limits = limits;
        this.tracing = tracing;
    }

    @Override
    public void open(OpenContext openContext) {
        if (!org.agentrouter.wire.AvroLimits.active()) {
            // Our own bounds check still guards every topic; this is about Avro's second line (flink-conf sets it).
            LoggerFactory.getLogger(QueryDecoder.class).warn("Avro's decoding limits are not in effect in this JVM: start it with "
                    + org.agentrouter.wire.AvroLimits.properties() + " as -D options (flink-conf/config.yaml env.java.opts.all)");
        }
        intake = new QueryIntake(maxContextK, limits);
        MetricGroup router = getRuntimeContext().getMetricGroup().addGroup("router");
        accepted = router.counter("queriesAccepted");
        internalErrors = router.counter("internalErrors");
        var task = getRuntimeContext().getTaskInfo();
        subtask = task.getIndexOfThisSubtask();
        // The keyed stages run at this operator's parallelism and max parallelism (the job sets one for all).
        probeKeys = probeKeys(task.getNumberOfParallelSubtasks(), task.getMaxNumberOfParallelSubtasks());
        deadLetters = DeadLetterCounters.register(router, "deadLetters");
        tracer = StageTracer.open(tracing, STAGE, subtask, System.getenv());
    }

    @Override
    public void close() {
        if (tracer != null) tracer.close();
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<QueryContext> out) {
        if (raw.probe != null) {
            // Each decode subtask ticks at the same rate and sends tick k to subtask (own index + k) mod p:
            // together that is one probe per interval to every retrieve/score/route subtask, and over p
            // intervals every decode -> route path is exercised.
            int target = (subtask + ticks++) % probeKeys.length;
            QueryContext p = new QueryContext();
            p.probe = raw.probe.copyFor(subtask, target);
            p.namespace = probeKeys[target];
            p.queryId = "health-probe";
            out.collect(p);
            return;
        }
        // Sampled here, before decoding, so a traced query's decode (or its refusal) is in its trace.
        Span consume = null;
        Span span = null;
        if (StageTracer.sampled(tracer, raw.traceparent, raw.partition, raw.offset)) {
            consume = tracer.startConsume(raw.traceparent, raw.tracestate, raw.topic, raw.partition, raw.offset);
            span = tracer.startStage(STAGE, consume);
        }
        Decoded<QueryContext> read;
        try {
            read = intake.read(raw.value);
        } catch (RuntimeException e) {
            deadLetters.get(ErrorCategory.PROCESSING_ERROR).inc();
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS, traced(
                    DeadLetters.internalError(raw.value, raw.topic, raw.partition, raw.offset, null, STAGE, e), raw, consume));
            endRefused(consume, span, ErrorCategory.PROCESSING_ERROR.name(), e.toString());
            return;
        }
        if (!read.isAccepted()) {
            deadLetters.get(read.category).inc();
            ctx.output(RouterOutputs.DEAD_LETTERS, traced(
                    DeadLetters.of(raw.value, raw.topic, raw.partition, raw.offset, read.category, read.reason, read.id, STAGE), raw, consume));
            endRefused(consume, span, read.category.name(), read.reason);
            return;
        }
        QueryContext qc = read.value;
        qc.sourceTopic = raw.topic;
        qc.sourcePartition = raw.partition;
        qc.sourceOffset = raw.offset;
        qc.original = raw.value;
        qc.ingestMicros = nowMicros();
        qc.traceparent = raw.traceparent;
        qc.tracestate = raw.tracestate;
        if (consume != null) {
            // Later stages' spans are children of the consume span, and so is the decision's context.
            qc.traced = true;
            qc.traceparent = TraceParent.format(consume.getSpanContext());
            consume.setAttribute(StageTracer.MESSAGING_MESSAGE_ID, qc.queryId);
            span.setAttribute(StageAttributes.NAMESPACE, qc.namespace);
            span.setAttribute(StageAttributes.HAS_VECTOR, qc.embedding != null);
            span.setAttribute(StageAttributes.CONTEXT_K, qc.contextK);
            span.end();
            consume.end();
        }
        accepted.inc();
        out.collect(qc);
    }

    /** A dead letter carries the query's trace context on: the consume span's when traced, else the producer's. */
    private static KafkaMessage traced(KafkaMessage deadLetter, RawRecord raw, Span consume) {
        return consume == null ? deadLetter.traced(raw.traceparent, raw.tracestate)
                : deadLetter.traced(TraceParent.format(consume.getSpanContext()), raw.tracestate);
    }

    private static void endRefused(Span consume, Span span, String category, String reason) {
        if (consume == null) return;
        StageTracer.fail(span, category, reason);
        StageTracer.fail(consume, category, reason);
        span.end();
        consume.end();
    }

    /** For each subtask index, the first key of the form __health-probe-N that Flink's keyBy assigns to it. */
    static String[] probeKeys(int parallelism, int maxParallelism) {
        String[] keys = new String[parallelism];
        int found = 0;
        for (int n = 0; found < parallelism; n++) {
            String key = "__health-probe-" + n;
            int target = KeyGroupRangeAssignment.assignKeyToParallelOperator(key, maxParallelism, parallelism);
            if (keys[target] == null) {
                keys[target] = key;
                found++;
            }
        }
        return keys;
    }

    static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
