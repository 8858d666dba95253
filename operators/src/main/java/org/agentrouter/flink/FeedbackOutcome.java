package org.agentrouter.flink;

/** One reported outcome, reduced to what the guarantee monitor needs (a Flink POJO). */
public class FeedbackOutcome {
    /** Feedback that does not name the model version is still counted, under this key. */
    public static final String UNKNOWN_VERSION = "unknown";

    public String queryId;
    public String modelVersion;
    public String route;
    public boolean violation;
    public double alpha;

    public FeedbackOutcome() {}

    public FeedbackOutcome(String queryId, String modelVersion, String route, boolean violation, double alpha) {
        this.queryId = queryId;
        this.modelVersion = modelVersion;
        this.route = route;
        this.violation = violation;
        this.alpha = alpha;
    }
}
