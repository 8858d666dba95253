package org.agentrouter.flink;

import org.apache.flink.util.OutputTag;

/** Side outputs shared by the operators. */
public final class RouterOutputs {
    private RouterOutputs() {}

    public static final OutputTag<KafkaMessage> DEAD_LETTERS = new OutputTag<>("dead-letters") {};
    public static final OutputTag<KafkaMessage> MODEL_EVENTS = new OutputTag<>("model-events") {};
    public static final OutputTag<KafkaMessage> ROUTING_METRICS = new OutputTag<>("routing-metrics") {};
    public static final OutputTag<KafkaMessage> HEALTH = new OutputTag<>("router-health") {};
    /** Per-variant counts of each routing subtask, and per-version drift, for the rollout judge. */
    public static final OutputTag<org.agentrouter.rollout.VariantStats> VARIANT_STATS = new OutputTag<>("variant-stats") {};
    /** Outcomes from routing-feedback, keyed by namespace into retrieval: episodes and use statistics. */
    public static final OutputTag<MemoryEvent> MEMORY_FEEDBACK = new OutputTag<>("memory-feedback") {};
    /** Memories retrieval changed from feedback, published back to agent-memories (key: memory id). */
    public static final OutputTag<KafkaMessage> MEMORY_UPDATES = new OutputTag<>("memory-updates") {};
}
