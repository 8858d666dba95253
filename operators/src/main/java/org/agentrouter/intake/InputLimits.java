package org.agentrouter.intake;

import java.io.Serializable;

/**
 * What one record read from Kafka may claim at most, checked before anything is built from it. A record over a
 * limit is refused with its reason (RECORD_TOO_LARGE for its size, INVALID_FIELD for a field), never truncated:
 * a silently shortened text or id would be routed as something the agent did not send.
 */
public final class InputLimits implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Encoded size of a query, feedback or memory record (Kafka's default maximum message is about 1 MiB). */
    public int maxRecordBytes = 1 << 20;
    /** Characters of a query's or memory's text (MiniLM reads the first 256 tokens; the rest only counts for cost). */
    public int maxTextChars = 65_536;
    /** Characters of an id: query, namespace, user, session, memory, model version, tag, context id. */
    public int maxIdChars = 512;
    /** Tags on a query or memory. */
    public int maxTags = 64;
    /** Memory ids a feedback record may name in context_ids_used. */
    public int maxContextIds = 1_000;

    public InputLimits validate() {
        if (maxRecordBytes < 1024 || maxTextChars < 1 || maxIdChars < 1 || maxTags < 0 || maxContextIds < 0) {
            throw new IllegalArgumentException("input limits must be positive (record bytes >= 1024), got record bytes "
                    + maxRecordBytes + ", text chars " + maxTextChars + ", id chars " + maxIdChars + ", tags " + maxTags
                    + ", context ids " + maxContextIds);
        }
        return this;
    }

    /** Null when {@code value} is within {@link #maxIdChars}, else the reason naming {@code field}. */
    String idProblem(String field, CharSequence value) {
        return value != null && value.length() > maxIdChars
                ? field + " has " + value.length() + " characters, more than the limit of " + maxIdChars : null;
    }

    String textProblem(String field, CharSequence value) {
        return value != null && value.length() > maxTextChars
                ? field + " has " + value.length() + " characters, more than the limit of " + maxTextChars : null;
    }
}
