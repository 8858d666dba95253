package org.agentrouter.agentdb;

/** An AgentDB file cannot be imported; the message names the file and, where one is to blame, the row. */
public class AgentDbException extends RuntimeException {
    public AgentDbException(String message) {
        super(message);
    }

    public AgentDbException(String message, Throwable cause) {
        super(message, cause);
    }
}
