package org.agentrouter.client;

/** A transient failure: the deadline passed or the broker did not take the record. Trying again may work. */
public class RetriableRouterException extends RouterException {
    public RetriableRouterException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean retriable() {
        return true;
    }
}
