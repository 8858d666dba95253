package org.agentrouter.memory;

import java.util.Arrays;

/**
 * One memory as stored and exchanged between operators. Public fields and a no-arg constructor keep it
 * a Flink POJO, so Flink serialises it field by field instead of falling back to Kryo.
 * Unknown numeric values are NaN.
 */
public class MemoryRecord {
    public static final String EPISODE = "episode";
    public static final String SKILL = "skill";
    public static final String PATTERN = "pattern";

    public String id;
    public String namespace;
    /** {@link #EPISODE}, {@link #SKILL} or {@link #PATTERN}. */
    public String kind;
    public String text;
    /** Session the memory came from; null when not tied to one. */
    public String sessionId;
    public long createdAtMs;
    /** 0 when never used. */
    public long lastUsedAtMs;
    public int useCount;
    /** 0..1. */
    public float successRate = Float.NaN;
    public float reward = Float.NaN;
    /** 0..1. */
    public float confidence = Float.NaN;
    /** How well the cheap LLM answered this memory's query, 0..1. */
    public float cheapOutcome = Float.NaN;
    /** How well the strong LLM answered this memory's query, 0..1. */
    public float strongOutcome = Float.NaN;
    /** Never null when read from a store; empty when none. */
    public String[] tags = new String[0];
    /** Identifier of the record this memory was imported from (an AgentDB row, a feedback event), if any. */
    public String sourceId;
    /** {@code FeatureLayout.EMBEDDING_DIM} floats. */
    public float[] embedding;
    /**
     * Event time of this version ({@code event_time_ms} on agent-memories); 0 when unknown. The job keeps
     * the newest version of a memory: an older one arriving later (a replay, a read-back of its own
     * write) changes nothing.
     */
    public long updatedAtMs;

    public MemoryRecord() {}

    /** A shallow copy (tags and embedding arrays shared: they are never changed in place). */
    public MemoryRecord copy() {
        MemoryRecord r = new MemoryRecord();
        r.id = id;
        r.namespace = namespace;
        r.kind = kind;
        r.text = text;
        r.sessionId = sessionId;
        r.createdAtMs = createdAtMs;
        r.lastUsedAtMs = lastUsedAtMs;
        r.useCount = useCount;
        r.successRate = successRate;
        r.reward = reward;
        r.confidence = confidence;
        r.cheapOutcome = cheapOutcome;
        r.strongOutcome = strongOutcome;
        r.tags = tags;
        r.sourceId = sourceId;
        r.embedding = embedding;
        r.updatedAtMs = updatedAtMs;
        return r;
    }

    @Override
    public String toString() {
        return "MemoryRecord{id=" + id + ", namespace=" + namespace + ", kind=" + kind + ", useCount=" + useCount
                + ", confidence=" + confidence + ", tags=" + Arrays.toString(tags) + "}";
    }
}
