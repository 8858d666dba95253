package org.agentrouter.flink;

import java.util.EnumMap;
import java.util.Map;
import org.agentrouter.memory.MemoryMessages;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * agent-memories bytes to {@link MemoryEvent}s. A record that cannot be read, or a memory the index would
 * refuse (wrong vector size, NaN, unknown kind, out-of-range outcome, no namespace), goes to the dead-letter
 * topic with its reason (stage {@code memory}) and counts in {@code category_memoryDeadLetters}; the job
 * goes on.
 */
public class MemoryDecoder extends ProcessFunction<RawRecord, MemoryEvent> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "memory";

    private transient Map<ErrorCategory, Counter> deadLetters;
    private transient Counter read;

    @Override
    public void open(OpenContext openContext) {
        MetricGroup router = getRuntimeContext().getMetricGroup().addGroup("router");
        read = router.counter("memoriesRead");
        deadLetters = new EnumMap<>(ErrorCategory.class);
        for (ErrorCategory c : ErrorCategory.values()) {
            deadLetters.put(c, router.addGroup("category", c.name()).counter("memoryDeadLetters"));
        }
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<MemoryEvent> out) {
        AgentMemory m;
        try {
            m = AvroWire.MEMORY.decode(raw.value);
        } catch (WireFormatException e) {
            reject(raw, e.category(), e.getMessage(), null, ctx);
            return;
        }
        String id = m.getMemoryId() == null ? null : m.getMemoryId().toString();
        String ns = m.getNamespace() == null ? null : m.getNamespace().toString();
        if (id == null || id.isEmpty() || ns == null || ns.isEmpty()) {
            reject(raw, ErrorCategory.INVALID_FIELD, "memory_id and namespace must not be empty", id, ctx);
            return;
        }
        if (m.getDeleted()) {
            read.inc();
            out.collect(MemoryEvent.delete(ns, id, m.getEventTimeMs()));
            return;
        }
        MemoryRecord r;
        try {
            r = MemoryMessages.fromMessage(m);
        } catch (IllegalArgumentException e) {
            reject(raw, categoryOf(e.getMessage()), e.getMessage(), id, ctx);
            return;
        }
        read.inc();
        out.collect(MemoryEvent.upsert(r));
    }

    static ErrorCategory categoryOf(String message) {
        if (message == null) return ErrorCategory.INVALID_FIELD;
        if (message.contains("dimensions") || message.contains("whole number of float32")) return ErrorCategory.WRONG_VECTOR_SIZE;
        if (message.contains("non-finite")) return ErrorCategory.NON_FINITE_VALUE;
        return ErrorCategory.INVALID_FIELD;
    }

    private void reject(RawRecord raw, ErrorCategory category, String reason, String memoryId, Context ctx) {
        deadLetters.get(category).inc();
        ctx.output(RouterOutputs.DEAD_LETTERS,
                DeadLetters.of(raw.value, raw.topic, raw.partition, raw.offset, category, reason, memoryId, STAGE));
    }
}
