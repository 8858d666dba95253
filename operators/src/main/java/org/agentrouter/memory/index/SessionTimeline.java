package org.agentrouter.memory.index;

import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.agentrouter.memory.MemoryRecord;

/**
 * The memories of one namespace by session, in the order they were created, so that retrieval can reach the
 * turns next to a hit ({@link HybridSearch}'s session neighbours): in a conversation the answer is often the turn
 * right after the one that matches the question. Memories without a session are not held. Kept in step with the
 * index's rows by {@link LiveMemoryIndex#upsert} and {@link LiveMemoryIndex#delete}; O(log n) per change and per
 * step to a neighbour.
 */
final class SessionTimeline {
    /** By creation time, then id (two memories of a session may share a time). */
    private static final Comparator<MemoryRecord> ORDER =
            Comparator.<MemoryRecord>comparingLong(r -> r.createdAtMs).thenComparing(r -> r.id);

    private final Map<String, TreeSet<MemoryRecord>> sessions = new HashMap<>();

    void add(MemoryRecord r) {
        if (r.sessionId == null) return;
        sessions.computeIfAbsent(r.sessionId, s -> new TreeSet<>(ORDER)).add(r);
    }

    void remove(MemoryRecord r) {
        if (r == null || r.sessionId == null) return;
        TreeSet<MemoryRecord> s = sessions.get(r.sessionId);
        if (s == null) return;
        s.remove(r);
        if (s.isEmpty()) sessions.remove(r.sessionId);
    }

    /**
     * The memory {@code offset} places after {@code r} in its session (before it when negative), or null when the
     * session ends first or {@code r} is not held.
     */
    MemoryRecord step(MemoryRecord r, int offset) {
        if (r == null || r.sessionId == null || offset == 0) return null;
        TreeSet<MemoryRecord> s = sessions.get(r.sessionId);
        if (s == null || !s.contains(r)) return null;
        MemoryRecord at = r;
        for (int i = 0; i < Math.abs(offset) && at != null; i++) at = offset > 0 ? s.higher(at) : s.lower(at);
        return at;
    }

    int sessions() {
        return sessions.size();
    }
}
