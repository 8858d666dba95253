package org.agentrouter.flink;

import org.agentrouter.memory.MemoryRecord;

/**
 * What changes a namespace's memories, keyed by namespace into the retrieval operator (a Flink POJO): a
 * memory from agent-memories (upsert or delete) or an outcome from routing-feedback.
 */
public class MemoryEvent {
    public static final int UPSERT = 0;
    public static final int DELETE = 1;
    public static final int FEEDBACK = 2;

    public int type;
    public String namespace;
    /** UPSERT, DELETE: the memory's id. */
    public String memoryId;
    /** UPSERT: the new version (valid); null otherwise. */
    public MemoryRecord memory;
    /** Event time of the change (agent-memories' event_time_ms, or the feedback's). */
    public long eventTimeMs;

    // ---- FEEDBACK ----
    public String queryId;
    public String route;
    public String model;
    /** 1 success, 0 failure, or the 0-1 quality. */
    public float outcome;
    /** The memories the agent put in the prompt (context_ids_used). */
    public String[] contextIds;
    /** The other route's outcome when the agent answered a probe (1, 0 or a quality), else NaN. */
    public float probeOutcome = Float.NaN;

    public MemoryEvent() {}

    public static MemoryEvent upsert(MemoryRecord r) {
        MemoryEvent e = new MemoryEvent();
        e.type = UPSERT;
        e.namespace = r.namespace;
        e.memoryId = r.id;
        e.memory = r;
        e.eventTimeMs = r.updatedAtMs;
        return e;
    }

    public static MemoryEvent delete(String namespace, String id, long eventTimeMs) {
        MemoryEvent e = new MemoryEvent();
        e.type = DELETE;
        e.namespace = namespace;
        e.memoryId = id;
        e.eventTimeMs = eventTimeMs;
        return e;
    }

    public static MemoryEvent feedback(String namespace, String queryId, String route, String model, float outcome,
                                       String[] contextIds, long eventTimeMs) {
        MemoryEvent e = new MemoryEvent();
        e.type = FEEDBACK;
        e.namespace = namespace;
        e.queryId = queryId;
        e.route = route;
        e.model = model;
        e.outcome = outcome;
        e.contextIds = contextIds;
        e.eventTimeMs = eventTimeMs;
        return e;
    }
}
