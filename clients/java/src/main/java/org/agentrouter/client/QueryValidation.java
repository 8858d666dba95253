package org.agentrouter.client;

import org.agentrouter.schema.AgentQuery;

/** Refuses, before anything is sent, queries the router would put in its dead-letter topic. */
final class QueryValidation {
    private QueryValidation() {}

    /** @return what is wrong with the query, or null when it may be sent */
    static String problem(AgentQuery q) {
        if (q == null) return "null query";
        if (q.getQueryId() == null || q.getQueryId().isBlank()) return "query_id is empty";
        if (q.getNamespace() == null || q.getNamespace().isBlank()) return "namespace is empty";
        if (q.getText() == null || q.getText().isBlank()) return "text is empty";
        if (q.getContextK() < 0) return "context_k is negative";
        if (q.getEmbedding() != null) {
            for (Float f : q.getEmbedding()) {
                if (f == null || !Float.isFinite(f)) return "embedding holds a non-finite value";
            }
        }
        return null;
    }
}
