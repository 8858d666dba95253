package org.agentrouter.intake;

import org.agentrouter.schema.ErrorCategory;

/**
 * A record read from Kafka: either the value, or why it was refused (the dead-letter category and reason, and
 * the record's own id when it could be read).
 */
public final class Decoded<T> {
    public final T value;
    public final ErrorCategory category;
    public final String reason;
    /** The query or memory id of a refused record, when known (the dead letter's key). */
    public final String id;

    private Decoded(T value, ErrorCategory category, String reason, String id) {
        this.value = value;
        this.category = category;
        this.reason = reason;
        this.id = id;
    }

    public static <T> Decoded<T> accepted(T value) {
        return new Decoded<>(value, null, null, null);
    }

    public static <T> Decoded<T> refused(ErrorCategory category, String reason, String id) {
        return new Decoded<>(null, category, reason, id);
    }

    public boolean isAccepted() {
        return category == null;
    }

    @Override
    public String toString() {
        return isAccepted() ? "accepted " + value : "refused " + category + ": " + reason;
    }
}
