package org.agentrouter.scoring;

/** A model release that must not be served; the current model keeps serving. */
public final class ModelRejectedException extends Exception {
    private final String rule;

    public ModelRejectedException(String rule, String detail) {
        super(rule + ": " + detail);
        this.rule = rule;
    }

    /** Short name of the rule that refused it, used as a metric label. */
    public String rule() {
        return rule;
    }
}
