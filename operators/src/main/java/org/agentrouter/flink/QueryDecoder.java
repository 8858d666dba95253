package org.agentrouter.flink;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.Map;
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

    public QueryDecoder(int maxContextK) {
        this.maxContextK = maxContextK;
    }

    @Override
    public void open(OpenContext openContext) {
        validator = new QueryValidator(maxContextK);
        MetricGroup router = getRuntimeContext().getMetricGroup().addGroup("router");
        accepted = router.counter("queriesAccepted");
        deadLetters = new EnumMap<>(ErrorCategory.class);
        for (ErrorCategory c : ErrorCategory.values()) {
            deadLetters.put(c, router.addGroup("category", c.name()).counter("deadLetters"));
        }
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<QueryContext> out) {
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

    static long nowMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
