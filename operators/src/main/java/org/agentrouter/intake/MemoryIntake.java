package org.agentrouter.intake;

import java.util.List;
import org.agentrouter.memory.MemoryMessages;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;

/**
 * agent-memories bytes to a {@link MemoryChange}, or the reason they are not one: unreadable, no id or namespace,
 * a memory the index would refuse (wrong vector size, NaN, unknown kind, out-of-range value), or more than the
 * limits allow. Flink-free.
 */
public final class MemoryIntake {
    private final InputLimits limits;

    public MemoryIntake(InputLimits limits) {
        this.limits = limits;
    }

    public Decoded<MemoryChange> read(byte[] bytes) {
        AgentMemory m;
        try {
            m = AvroWire.MEMORY.decode(bytes, limits.maxRecordBytes);
        } catch (WireFormatException e) {
            return Decoded.refused(e.category(), e.getMessage(), null);
        }
        String id = m.getMemoryId();
        String ns = m.getNamespace();
        // Blank as a query's namespace is refused: a memory in a blank namespace could never be retrieved.
        if (id == null || id.isBlank() || ns == null || ns.isBlank()) {
            return Decoded.refused(ErrorCategory.INVALID_FIELD, "memory_id and namespace must not be empty or blank",
                    id == null || id.isBlank() || id.length() > limits.maxIdChars ? null : id);
        }
        String problem = limitProblem(m);
        if (problem != null) {
            return Decoded.refused(ErrorCategory.INVALID_FIELD, problem, id.length() > limits.maxIdChars ? null : id);
        }
        if (m.getDeleted()) {
            return Decoded.accepted(new MemoryChange(ns, id, m.getEventTimeMs(), null));
        }
        try {
            MemoryRecord r = MemoryMessages.fromMessage(m);
            return Decoded.accepted(new MemoryChange(ns, id, m.getEventTimeMs(), r));
        } catch (IllegalArgumentException e) {
            return Decoded.refused(categoryOf(e.getMessage()), e.getMessage(), id);
        }
    }

    private String limitProblem(AgentMemory m) {
        String p = limits.idProblem("memory_id", m.getMemoryId());
        if (p == null) p = limits.idProblem("namespace", m.getNamespace());
        if (p == null) p = limits.idProblem("session_id", m.getSessionId());
        if (p == null) p = limits.idProblem("source_id", m.getSourceId());
        if (p == null) p = limits.idProblem("kind", m.getKind());
        if (p == null) p = limits.textProblem("text", m.getText());
        if (p != null) return p;
        if (m.getEventTimeMs() < 0) return "event_time_ms must be >= 0, got " + m.getEventTimeMs();
        if (m.getCreatedAtMs() < 0 || m.getLastUsedAtMs() < 0) {
            return "created_at_ms and last_used_at_ms must be >= 0, got " + m.getCreatedAtMs() + " and " + m.getLastUsedAtMs();
        }
        List<String> tags = m.getTags();
        if (tags.size() > limits.maxTags) return "tags has " + tags.size() + " entries, more than the limit of " + limits.maxTags;
        for (String t : tags) {
            p = limits.idProblem("a tag", t);
            if (p != null) return p;
        }
        return null;
    }

    static ErrorCategory categoryOf(String message) {
        if (message == null) return ErrorCategory.INVALID_FIELD;
        if (message.contains("dimensions") || message.contains("whole number of float32")) return ErrorCategory.WRONG_VECTOR_SIZE;
        if (message.contains("non-finite")) return ErrorCategory.NON_FINITE_VALUE;
        return ErrorCategory.INVALID_FIELD;
    }
}
