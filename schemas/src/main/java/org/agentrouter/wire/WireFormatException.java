package org.agentrouter.wire;

import org.agentrouter.schema.ErrorCategory;

/** Bytes that are not a record of the expected schema: carries the dead-letter category. */
public final class WireFormatException extends Exception {
    private final ErrorCategory category;

    public WireFormatException(ErrorCategory category, String message, Throwable cause) {
        super(message, cause);
        this.category = category;
    }

    public ErrorCategory category() {
        return category;
    }
}
