package org.agentrouter.client;

/** A failure that repeats on every try: an invalid query, or bytes written with a schema this client does not know. */
public class PermanentRouterException extends RouterException {
    public PermanentRouterException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retriable() {
        return false;
    }
}
