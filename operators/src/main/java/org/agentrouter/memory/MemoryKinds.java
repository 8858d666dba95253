package org.agentrouter.memory;

import java.util.List;

/** The closed set of memory kinds. */
final class MemoryKinds {
    static final List<String> ALL = List.of(MemoryRecord.EPISODE, MemoryRecord.SKILL, MemoryRecord.PATTERN);

    private MemoryKinds() {}

    /**
     * The shared constant equal to {@code kind}, or null when it is not a kind. Read paths use it so
     * that every candidate row points at one of three strings instead of a fresh copy per row.
     */
    static String canonical(String kind) {
        if (kind == null) {
            return null;
        }
        return switch (kind) {
            case MemoryRecord.EPISODE -> MemoryRecord.EPISODE;
            case MemoryRecord.SKILL -> MemoryRecord.SKILL;
            case MemoryRecord.PATTERN -> MemoryRecord.PATTERN;
            default -> null;
        };
    }
}
