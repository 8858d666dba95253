package org.agentrouter.flink;

import java.util.List;
import org.agentrouter.query.QueryContext;

/** Why a decision fell back, as a metric label: a small fixed set, where the decision's reason is free text. */
final class FallbackCause {
    static final String NO_MODEL = "no_model";
    static final String SCORER_CIRCUIT_OPEN = "scorer_circuit_open";
    static final String SCORER_ERROR = "scorer_error";
    static final String OTHER = "other";
    static final List<String> ALL = List.of(NO_MODEL, SCORER_CIRCUIT_OPEN, SCORER_ERROR, OTHER);

    private FallbackCause() {}

    static String of(QueryContext q) {
        return q.score.failureCause == null ? OTHER : q.score.failureCause;
    }
}
