package org.agentrouter.rollout.report;

import java.util.Set;
import java.util.TreeSet;

/**
 * What one variant did within a report's scope: its decisions with their estimated and all-strong cost (sums and
 * sums of squares, for the interval of the cost saved), and the outcomes agents reported for them with how many were
 * violations.
 */
public final class VariantTally {
    long decisions;
    double cost;
    double strongCost;
    double costSquares;
    double strongSquares;
    double costTimesStrong;
    long outcomes;
    long violations;
    /** Shadow only: decisions with feedback that does not show the outcome of the route the shadow chose. */
    long unobserved;
    long firstDecisionMs = Long.MAX_VALUE;
    long lastDecisionMs = Long.MIN_VALUE;
    final Set<String> versions = new TreeSet<>();

    public void addDecision(String version, double costUsd, double strongCostUsd, long decidedAtMs) {
        decisions++;
        cost += costUsd;
        strongCost += strongCostUsd;
        costSquares += costUsd * costUsd;
        strongSquares += strongCostUsd * strongCostUsd;
        costTimesStrong += costUsd * strongCostUsd;
        firstDecisionMs = Math.min(firstDecisionMs, decidedAtMs);
        lastDecisionMs = Math.max(lastDecisionMs, decidedAtMs);
        versions.add(version);
    }

    public void addOutcome(boolean violation) {
        outcomes++;
        if (violation) violations++;
    }

    public void addUnobserved() {
        unobserved++;
    }

    public long decisions() {
        return decisions;
    }

    public long outcomes() {
        return outcomes;
    }

    public long violations() {
        return violations;
    }

    public long unobserved() {
        return unobserved;
    }

    public Set<String> versions() {
        return versions;
    }

    public long firstDecisionMs() {
        return firstDecisionMs;
    }

    public long lastDecisionMs() {
        return lastDecisionMs;
    }

    /** 1 - cost / all-strong cost over the decisions; NaN without decisions. */
    public double costSaved() {
        return strongCost > 0 ? 1 - cost / strongCost : Double.NaN;
    }

    /**
     * Standard error of {@link #costSaved()}: the cost ratio R = sum(cost) / sum(strong) is a ratio estimator, whose
     * linearised variance is sum((cost_i - R strong_i)^2) / (n (n - 1) mean(strong)^2). NaN under two decisions.
     */
    public double costSavedStandardError() {
        if (decisions < 2 || strongCost <= 0) return Double.NaN;
        double r = cost / strongCost;
        double residualSquares = Math.max(0, costSquares - 2 * r * costTimesStrong + r * r * strongSquares);
        double meanStrong = strongCost / decisions;
        return Math.sqrt(residualSquares / ((double) decisions * (decisions - 1))) / meanStrong;
    }
}
