package org.agentrouter.memory.store;

/**
 * A memory store could not be opened or queried. Unchecked because the store is called from Flink
 * functions on the hot path, where a failing store can only fail the task anyway.
 */
public class MemoryStoreException extends RuntimeException {
    public MemoryStoreException(String message) {
        super(message);
    }

    public MemoryStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
