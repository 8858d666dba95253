package org.agentrouter.memory;

import java.util.List;

/** The closed set of memory kinds. */
public final class MemoryKinds {
    public static final List<String> ALL = List.of(MemoryRecord.EPISODE, MemoryRecord.SKILL, MemoryRecord.PATTERN);

    /** One byte per kind, as the in-memory indexes keep it per row. */
    public static final byte CODE_EPISODE = 0;
    public static final byte CODE_SKILL = 1;
    public static final byte CODE_PATTERN = 2;
    /** Confidence of a memory whose confidence is unknown, as indexes and stores keep it: no minimum passes it. */
    public static final float UNKNOWN_CONFIDENCE = -1f;

    private MemoryKinds() {}

    /** The byte code of a canonical kind (an unknown kind counts as an episode). */
    public static byte code(String kind) {
        return switch (kind) {
            case MemoryRecord.SKILL -> CODE_SKILL;
            case MemoryRecord.PATTERN -> CODE_PATTERN;
            default -> CODE_EPISODE;
        };
    }

    /**
     * The shared constant equal to {@code kind}, or null when it is not a kind. Read paths use it so
     * that every candidate row points at one of three strings instead of a fresh copy per row.
     */
    public static String canonical(String kind) {
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
