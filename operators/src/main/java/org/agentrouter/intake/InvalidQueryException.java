package org.agentrouter.intake;

import org.agentrouter.schema.ErrorCategory;

/** A query that can never be routed as sent (a permanent error): it goes to the dead-letter topic. */
public final class InvalidQueryException extends Exception {
    private final ErrorCategory category;

    public InvalidQueryException(ErrorCategory category, String reason) {
        super(reason);
        this.category = category;
    }

    public ErrorCategory category() {
        return category;
    }
}
