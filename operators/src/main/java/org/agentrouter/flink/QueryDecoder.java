package org.agentrouter.flink;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.agentrouter.intake.Decoded;
import org.agentrouter.intake.InputLimits;
import org.agentrouter.intake.QueryIntake;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.schema.ErrorCategory;
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
    private transient QueryIntake intake;
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
        this.maxContextK = maxContextK;
        this.limits = limits;
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
        Decoded<QueryContext> read;
        try {
            read = intake.read(raw.value);
        } catch (RuntimeException e) {
            deadLetters.get(ErrorCategory.PROCESSING_ERROR).inc();
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS,
                    DeadLetters.internalError(raw.value, raw.topic, raw.partition, raw.offset, null, STAGE, e));
            return;
        }
        if (!read.isAccepted()) {
            deadLetters.get(read.category).inc();
            ctx.output(RouterOutputs.DEAD_LETTERS,
                    DeadLetters.of(raw.value, raw.topic, raw.partition, raw.offset, read.category, read.reason, read.id, STAGE));
            return;
        }
        QueryContext qc = read.value;
        qc.sourceTopic = raw.topic;
        qc.sourcePartition = raw.partition;
        qc.sourceOffset = raw.offset;
        qc.original = raw.value;
        qc.ingestMicros = nowMicros();
        accepted.inc();
        out.collect(qc);
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
