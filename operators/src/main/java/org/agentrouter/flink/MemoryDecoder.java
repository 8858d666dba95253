package org.agentrouter.flink;

import java.util.Map;
import org.agentrouter.intake.Decoded;
import org.agentrouter.intake.InputLimits;
import org.agentrouter.intake.MemoryChange;
import org.agentrouter.intake.MemoryIntake;
import org.agentrouter.schema.ErrorCategory;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * agent-memories bytes to {@link MemoryEvent}s ({@link MemoryIntake}). A record that cannot be read, or a memory the
 * index would refuse (wrong vector size, NaN, unknown kind, out-of-range outcome, no namespace, over a limit), goes
 * to the dead-letter topic with its reason (stage {@code memory}) and counts in {@code category_memoryDeadLetters};
 * the job goes on.
 */
public class MemoryDecoder extends ProcessFunction<RawRecord, MemoryEvent> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "memory";

    private final InputLimits limits;
    private transient MemoryIntake intake;
    private transient Map<ErrorCategory, Counter> deadLetters;
    private transient Counter internalErrors;
    private transient Counter read;

    public MemoryDecoder() {
        this(new InputLimits());
    }

    public MemoryDecoder(InputLimits limits) {
        this.limits = limits;
    }

    @Override
    public void open(OpenContext openContext) {
        intake = new MemoryIntake(limits);
        MetricGroup router = getRuntimeContext().getMetricGroup().addGroup("router");
        read = router.counter("memoriesRead");
        internalErrors = router.counter("internalErrors");
        deadLetters = DeadLetterCounters.register(router, "memoryDeadLetters");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<MemoryEvent> out) {
        Decoded<MemoryChange> change;
        try {
            change = intake.read(raw.value);
        } catch (RuntimeException e) {
            deadLetters.get(ErrorCategory.PROCESSING_ERROR).inc();
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS,
                    DeadLetters.internalError(raw.value, raw.topic, raw.partition, raw.offset, null, STAGE, e));
            return;
        }
        if (!change.isAccepted()) {
            deadLetters.get(change.category).inc();
            ctx.output(RouterOutputs.DEAD_LETTERS,
                    DeadLetters.of(raw.value, raw.topic, raw.partition, raw.offset, change.category, change.reason, change.id, STAGE));
            return;
        }
        MemoryChange c = change.value;
        read.inc();
        out.collect(c.isDelete() ? MemoryEvent.delete(c.namespace(), c.memoryId(), c.eventTimeMs()) : MemoryEvent.upsert(c.memory()));
    }
}
