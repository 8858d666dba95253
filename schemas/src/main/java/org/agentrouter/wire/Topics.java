package org.agentrouter.wire;

import java.util.List;
import java.util.Set;

/**
 * The names of the router's Kafka topics, beside the schemas of the records they carry: one place for the job,
 * the command line and the clients. {@code src/main/avro/topics.json} lists the same topics for tools in other
 * languages (the TypeScript client generates its constants from it); {@code TopicsTest} keeps the two equal.
 * Creating and checking topics on a broker is the command line's business (its {@code TopicAdmin}).
 */
public final class Topics {
    private Topics() {}

    public static final String AGENT_QUERIES = "agent-queries";
    public static final String ROUTING_DECISIONS = "routing-decisions";
    public static final String ROUTING_METRICS = "routing-metrics";
    public static final String ROUTER_MODELS = "router-models";
    public static final String AGENT_QUERIES_DLQ = "agent-queries-dlq";
    public static final String ROUTING_FEEDBACK = "routing-feedback";
    public static final String MODEL_EVENTS = "model-events";
    public static final String ROUTER_HEALTH = "router-health";
    public static final String AGENT_MEMORIES = "agent-memories";

    public static final List<String> ALL = List.of(AGENT_QUERIES, ROUTING_DECISIONS, ROUTING_METRICS,
            ROUTER_MODELS, AGENT_QUERIES_DLQ, ROUTING_FEEDBACK, MODEL_EVENTS, ROUTER_HEALTH, AGENT_MEMORIES);

    /** Latest value per key is all that matters: the current model, the current memory of an agent. */
    public static final Set<String> COMPACTED = Set.of(ROUTER_MODELS, AGENT_MEMORIES);

    /**
     * delete.retention.ms of agent-memories: Kafka's own default, set explicitly because the job's delete
     * markers (RouterConfig.deleteMarkerRetentionMs) are kept as long. Compaction can leave an older copy of
     * a memory in the uncompacted head, or a writer can still have one in flight, for about that long after
     * the memory was deleted; a marker that outlives it makes that copy lose.
     */
    public static final long AGENT_MEMORIES_DELETE_RETENTION_MS = 86_400_000L;
}
