package org.agentrouter.query;

/**
 * The namespace learner's decision of a query (a Flink POJO carried by {@link QueryContext}): made where the
 * namespace's outcomes live (the retrieval operator, keyed by namespace), applied by the routing stage. Null on a
 * query when learning is off.
 */
public class LearnedRoute {
    /** The blended p_strong the decision was made with (the prior alone before the first outcome). */
    public double pStrong;
    /** The shared prior's p_strong of the query alone. */
    public double prior;
    public boolean strong;
    /** The agent is asked to call the other model too and report both outcomes. */
    public boolean probe;
    public int stage;
    /** NaN when no calibrated alpha is as strict as the query's. */
    public double cheapBelow;
    /** The calibrated alpha applied; NaN when none was strict enough. */
    public double alpha;
    /** Outcomes of the namespace when it was decided. */
    public int outcomes;

    public LearnedRoute() {}
}
