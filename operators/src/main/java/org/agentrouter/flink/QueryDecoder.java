package org.agentrouter.flink;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;
import org.agentrouter.routing.HealthProbe;
import org.agentrouter.routing.InvalidQueryException;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.routing.QueryValidator;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * First stage: Avro single-object bytes to a validated {@link QueryContext}. Anything that is not a
 * routable query (garbage, an unknown schema, a wrong vector size, NaN) goes to the dead-letter
 * side output with its reason and a counter per category; the job never fails on input.
 */
public class QueryDecoder extends ProcessFunction<RawRecord, QueryContext> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "decode";

    private final int maxContextK;
    private transient QueryValidator validator;
    private transient Map<ErrorCategory, Counter> deadLetters;
    private transient Counter accepted;
    /** probeKeys[i] is a namespace that keyBy sends to retrieval subtask i. */
    private transient String[] probeKeys;
    private transient int subtask;
    private transient int ticks;

    public QueryDecoder(int maxContextK) {
        this.maxContextK = maxContextK;
    }

    @Override
    public void open(OpenContext openContext) {
        validator = new QueryValidator(maxContextK);
        MetricGroup router = getRuntimeContext().getMetricGroup().addGroup("router");
        accepted = router.counter("queriesAccepted");
        var task = getRuntimeContext().getTaskInfo();
        subtask = task.getIndexOfThisSubtask();
        // The keyed stages run at this operator's parallelism and max parallelism (the job sets one for all).
        probeKeys = probeKeys(task.getNumberOfParallelSubtasks(), task.getMaxNumberOfParallelSubtasks());
        deadLetters = new EnumMap<>(ErrorCategory.class);
        for (ErrorCategory c : ErrorCategory.values()) {
            deadLetters.put(c, router.addGroup("category", c.name()).counter("deadLetters"));
        }
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
        AgentQuery query;
        try {
            query = AvroWire.QUERY.decode(raw.value);
        } catch (WireFormatException e) {
            reject(raw, e.category(), e.getMessage(), null, ctx);
            return;
        }
        QueryContext qc;
        try {
            qc = validator.toContext(query);
        } catch (InvalidQueryException e) {
            reject(raw, e.category(), e.getMessage(), query.getQueryId(), ctx);
            return;
        }
        qc.sourceTopic = raw.topic;
        qc.sourcePartition = raw.partition;
        qc.sourceOffset = raw.offset;
        qc.original = raw.value;
        qc.ingestMicros = nowMicros();
        accepted.inc();
        out.collect(qc);
    }

    private void reject(RawRecord raw, ErrorCategory category, String reason, String queryId, Context ctx) {
        deadLetters.get(category).inc();
        ctx.output(RouterOutputs.DEAD_LETTERS,
                DeadLetters.of(raw.value, raw.topic, raw.partition, raw.offset, category, reason, queryId, STAGE));
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
