package org.agentrouter.routing;

import org.agentrouter.query.HealthProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.agentrouter.schema.HealthStatus;

/**
 * How a subtask's status is judged. UNHEALTHY: it cannot make learned decisions (no model, scorer circuit
 * open, or most decisions failing). DEGRADED: it decides, with less to go on (no memory context, a breaker
 * not closed, many fallbacks or errors, a slow pipeline). Rates count only over at least
 * {@link #MIN_DECISIONS} decisions, so one failure at low traffic is not an alarm.
 */
public final class HealthRules {
    public static final int MIN_DECISIONS = 10;
    public static final double DEGRADED_ERROR_RATE = 0.05;
    public static final double UNHEALTHY_ERROR_RATE = 0.5;
    public static final double DEGRADED_FALLBACK_RATE = 0.10;
    /** A probe slower than this through the pipeline means the job is falling behind. */
    public static final long MIN_LAG_ALARM_MS = 10_000;

    private HealthRules() {}

    public record Verdict(HealthStatus status, List<String> reasons) {}

    public static Verdict judge(HealthProbe p, long decisions, long fallbacks, long errors, long probeLagMs, long intervalMs) {
        List<String> unhealthy = new ArrayList<>();
        List<String> degraded = new ArrayList<>();
        if (!p.modelLoaded) {
            unhealthy.add("no model loaded: every decision is a fallback");
        }
        if ("OPEN".equals(p.scorerBreaker)) {
            unhealthy.add("scorer circuit open: decisions come from the fallback ladder");
        } else if ("HALF_OPEN".equals(p.scorerBreaker)) {
            degraded.add("scorer circuit half-open (trial call after failures)");
        }
        if (!p.storeReachable) {
            degraded.add("memory store unreachable: decisions without memory context"
                    + (p.storeProblem == null ? "" : " (" + p.storeProblem + ")"));
        }
        if (!"CLOSED".equals(p.retrievalBreaker) && !"UNKNOWN".equals(p.retrievalBreaker)) {
            degraded.add("retrieval circuit " + p.retrievalBreaker.toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        if (decisions >= MIN_DECISIONS) {
            double errorRate = (double) errors / decisions;
            double fallbackRate = (double) fallbacks / decisions;
            String errorText = String.format(Locale.ROOT, "error rate %.0f%% (%d of %d decisions)", 100 * errorRate, errors, decisions);
            if (errorRate >= UNHEALTHY_ERROR_RATE) {
                unhealthy.add(errorText);
            } else if (errorRate >= DEGRADED_ERROR_RATE) {
                degraded.add(errorText);
            }
            if (fallbackRate >= DEGRADED_FALLBACK_RATE) {
                degraded.add(String.format(Locale.ROOT, "fallback rate %.0f%% (%d of %d decisions)",
                        100 * fallbackRate, fallbacks, decisions));
            }
        }
        if (probeLagMs > Math.max(MIN_LAG_ALARM_MS, 2 * intervalMs)) {
            degraded.add(String.format(Locale.ROOT, "pipeline lag: the probe took %.1f s to pass every stage", probeLagMs / 1000.0));
        }
        List<String> reasons = new ArrayList<>(unhealthy);
        reasons.addAll(degraded);
        HealthStatus status = !unhealthy.isEmpty() ? HealthStatus.UNHEALTHY
                : !degraded.isEmpty() ? HealthStatus.DEGRADED : HealthStatus.HEALTHY;
        return new Verdict(status, reasons);
    }
}
