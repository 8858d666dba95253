package org.agentrouter.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.agentrouter.schema.AgentMemory;

import org.agentrouter.wire.Embeddings;
/**
 * {@link MemoryRecord} to and from {@link AgentMemory}, the record of the compacted {@code agent-memories}
 * topic. Unknown numbers are NaN in a MemoryRecord and null on the wire; vectors travel as AgentDB stores
 * them (float32 little-endian), so an imported AgentDB blob is published without re-encoding.
 */
public final class MemoryMessages {
    private MemoryMessages() {}

    /**
     * The record that retires memory {@code id} of {@code namespace} as of {@code eventTimeMs}: deleted = true
     * (a Kafka tombstone would not carry the namespace the job keys by); older versions of it lose.
     */
    public static AgentMemory deleteMessage(String namespace, String id, long eventTimeMs) {
        return AgentMemory.newBuilder().setMemoryId(id).setNamespace(namespace).setKind(MemoryRecord.EPISODE)
                .setCreatedAtMs(0).setEmbedding(ByteBuffer.allocate(0)).setDeleted(true)
                .setEventTimeMs(eventTimeMs).build();
    }

    /** Checks {@code r} as the store would, then converts it; {@code eventTimeMs} stamps this version. */
    public static AgentMemory toMessage(MemoryRecord r, long eventTimeMs) {
        MemoryRecordChecks.requireValid(r, 0);
        ByteBuffer blob = Embeddings.toBuffer(r.embedding);
        return AgentMemory.newBuilder()
                .setMemoryId(r.id)
                .setNamespace(r.namespace)
                .setKind(MemoryKinds.canonical(r.kind))
                .setText(r.text)
                .setSessionId(r.sessionId)
                .setCreatedAtMs(r.createdAtMs)
                .setLastUsedAtMs(r.lastUsedAtMs)
                .setUseCount(r.useCount)
                .setSuccessRate(orNull(r.successRate))
                .setReward(orNull(r.reward))
                .setConfidence(orNull(r.confidence))
                .setCheapOutcome(orNull(r.cheapOutcome))
                .setStrongOutcome(orNull(r.strongOutcome))
                .setTags(r.tags == null ? List.of() : List.of(r.tags))
                .setSourceId(r.sourceId)
                .setEmbedding(blob.rewind())
                .setDeleted(false)
                .setEventTimeMs(eventTimeMs)
                .build();
    }

    /**
     * Converts and validates a message; a record the store would refuse (wrong vector size, NaN in the
     * vector, unknown kind, outcome out of range) throws {@link IllegalArgumentException} naming the memory.
     */
    public static MemoryRecord fromMessage(AgentMemory m) {
        MemoryRecord r = new MemoryRecord();
        r.id = str(m.getMemoryId());
        r.namespace = str(m.getNamespace());
        r.kind = str(m.getKind());
        r.text = str(m.getText());
        r.sessionId = str(m.getSessionId());
        r.createdAtMs = m.getCreatedAtMs();
        r.lastUsedAtMs = m.getLastUsedAtMs();
        r.useCount = m.getUseCount();
        r.successRate = orNaN(m.getSuccessRate());
        r.reward = orNaN(m.getReward());
        r.confidence = orNaN(m.getConfidence());
        r.cheapOutcome = orNaN(m.getCheapOutcome());
        r.strongOutcome = orNaN(m.getStrongOutcome());
        List<String> tags = m.getTags();
        r.tags = new String[tags.size()];
        for (int i = 0; i < r.tags.length; i++) {
            r.tags[i] = str(tags.get(i));
        }
        r.sourceId = str(m.getSourceId());
        r.updatedAtMs = m.getEventTimeMs();
        ByteBuffer blob = m.getEmbedding();
        if (blob.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException("memory " + r.id + ": embedding has " + blob.remaining()
                    + " bytes, not a whole number of float32 values");
        }
        r.embedding = Embeddings.fromBuffer(blob);
        if (!m.getDeleted()) {
            MemoryRecordChecks.requireValid(r, 0);
        }
        r.kind = MemoryKinds.canonical(r.kind) == null ? r.kind : MemoryKinds.canonical(r.kind);
        return r;
    }

    private static Float orNull(float v) {
        return Float.isNaN(v) ? null : v;
    }

    private static float orNaN(Float v) {
        return v == null ? Float.NaN : v;
    }

    private static String str(CharSequence s) {
        return s == null ? null : s.toString();
    }
}
