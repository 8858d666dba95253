package org.agentrouter.client;

/** Why a call to the router failed. {@link #retriable()} tells the caller whether trying again can help. */
public abstract class RouterException extends RuntimeException {
    protected RouterException(String message, Throwable cause) {
        super(message, cause);
    }

    public abstract boolean retriable();
}
