package org.agentrouter.rollout.report;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.agentrouter.routing.GuaranteeWindow;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.schema.RoutingMetric;

/**
 * The decisions of routing-metrics joined by query id with the outcomes of routing-feedback, tallied per variant
 * over a scope. No Flink and no Kafka: the report command reads the topics and hands every record here, and tests
 * hand it replayed streams.
 *
 * <p>A violation is what the guarantee monitor counts (GuaranteeWindow.isViolation): an answer from a route below
 * the strongest that failed (success false, or quality under 0.5). For the champion and a live challenger the outcome
 * is the feedback's, for the route the feedback names. A shadow decision was never acted on: it counts an outcome
 * only when the feedback shows the outcome of the route the shadow chose (the agent called that route, or probed it);
 * a shadow decision for the strongest route is never a violation; otherwise the decision counts as unobserved.
 */
public final class RolloutRecords {
    /** The graded quality under which an answer failed: FeedbackDecoder.PASS_QUALITY, the guarantee monitor's. */
    public static final double PASS_QUALITY = 0.5;

    private record Decision(Variant variant, String version, String route, double costUsd, double strongCostUsd, long decidedAtMs) {}

    private record Outcome(String route, Boolean success, Double quality, String probeRoute, Boolean probeSuccess, Double probeQuality) {}

    /** The scope of a report: decisions made in [fromMs, toMs), challenger and shadow only of {@code challengerVersion}. */
    public record Scope(long fromMs, long toMs, String challengerVersion) {}

    private final String strongestRoute;
    /** Per query id: the decision served (champion or challenger) and the shadow's, at their variant's ordinal. */
    private final Map<String, Decision[]> decisions = new HashMap<>();
    private final Map<String, Outcome> outcomes = new HashMap<>();
    private final Map<String, String> names = new HashMap<>();
    private long duplicateFeedback;
    private long metricsRead;
    private long feedbackRead;

    public RolloutRecords(String strongestRoute) {
        this.strongestRoute = strongestRoute;
    }

    public void add(RoutingMetric m) {
        metricsRead++;
        Variant v = Variant.of(m);
        Decision[] perVariant = decisions.computeIfAbsent(m.getQueryId(), id -> new Decision[Variant.values().length]);
        // A duplicate (an at-least-once sink after a restart) replaces the first: same query, same variant.
        perVariant[v.ordinal()] = new Decision(v, canonical(m.getModelVersion()), canonical(m.getRoute()), m.getEstimatedCostUsd(),
                m.getStrongCostUsd(), m.getDecidedAtMs());
    }

    public void add(RoutingFeedback f) {
        feedbackRead++;
        // The job applies a query's first feedback and ignores later ones (feedbackDuplicates): so does the report.
        if (outcomes.putIfAbsent(f.getQueryId(), new Outcome(canonical(f.getRoute()), f.getSuccess(), f.getQuality(),
                canonical(f.getProbeRoute()), f.getProbeSuccess(), f.getProbeQuality())) != null) {
            duplicateFeedback++;
        }
    }

    /** One instance per distinct version or route name: millions of decisions share a handful of them. */
    private String canonical(String s) {
        return s == null ? null : names.computeIfAbsent(s, k -> k);
    }

    public long metricsRead() {
        return metricsRead;
    }

    public long feedbackRead() {
        return feedbackRead;
    }

    public long duplicateFeedback() {
        return duplicateFeedback;
    }

    /**
     * Since the newest challenger started: the challenger version whose last decision (live or shadow) is the newest,
     * from its first decision on. Without any challenger decision: everything read, champion only.
     */
    public Scope sinceChallenger() {
        return newestChallengerScope(Long.MIN_VALUE, Long.MAX_VALUE, true);
    }

    /** Decisions in [fromMs, toMs); the challenger is the newest one deciding in that window. */
    public Scope window(long fromMs, long toMs) {
        return newestChallengerScope(fromMs, toMs, false);
    }

    private Scope newestChallengerScope(long fromMs, long toMs, boolean fromChallengerStart) {
        Decision newest = null;
        long earliest = Long.MAX_VALUE;
        for (Decision[] perQuery : decisions.values()) {
            for (Decision d : perQuery) {
                if (d == null || d.decidedAtMs < fromMs || d.decidedAtMs >= toMs) continue;
                earliest = Math.min(earliest, d.decidedAtMs);
                if (d.variant != Variant.CHAMPION && (newest == null || d.decidedAtMs > newest.decidedAtMs)) newest = d;
            }
        }
        if (newest == null) return new Scope(fromChallengerStart ? earliest : fromMs, toMs, null);
        if (!fromChallengerStart) return new Scope(fromMs, toMs, newest.version);
        long start = Long.MAX_VALUE;
        for (Decision[] perQuery : decisions.values()) {
            for (Decision d : perQuery) {
                if (d != null && d.variant != Variant.CHAMPION && d.version.equals(newest.version)) start = Math.min(start, d.decidedAtMs);
            }
        }
        return new Scope(start, toMs, newest.version);
    }

    /** Decisions and outcomes per variant within the scope. */
    public Map<Variant, VariantTally> tally(Scope scope) {
        Map<Variant, VariantTally> out = new EnumMap<>(Variant.class);
        for (Variant v : Variant.values()) out.put(v, new VariantTally());
        for (Map.Entry<String, Decision[]> e : decisions.entrySet()) {
            Outcome outcome = outcomes.get(e.getKey());
            for (Decision d : e.getValue()) {
                if (d == null || d.decidedAtMs < scope.fromMs() || d.decidedAtMs >= scope.toMs()) continue;
                if (d.variant != Variant.CHAMPION && !d.version.equals(scope.challengerVersion())) continue;
                VariantTally t = out.get(d.variant);
                t.addDecision(d.version, d.costUsd, d.strongCostUsd, d.decidedAtMs);
                if (outcome != null) countOutcome(t, d, outcome);
            }
        }
        return out;
    }

    private void countOutcome(VariantTally t, Decision d, Outcome o) {
        if (d.variant != Variant.SHADOW) {
            Boolean violation = GuaranteeWindow.isViolation(o.route, strongestRoute, o.success, o.quality, PASS_QUALITY);
            if (violation != null) t.addOutcome(violation);
            return;
        }
        Boolean violation;
        if (d.route.equals(o.route)) {
            violation = GuaranteeWindow.isViolation(o.route, strongestRoute, o.success, o.quality, PASS_QUALITY);
        } else if (d.route.equals(o.probeRoute)) {
            violation = GuaranteeWindow.isViolation(o.probeRoute, strongestRoute, o.probeSuccess, o.probeQuality, PASS_QUALITY);
        } else if (d.route.equals(strongestRoute)) {
            // The strongest route cannot violate; counted when the query has an outcome at all, like the live variants.
            violation = o.success != null || o.quality != null ? Boolean.FALSE : null;
        } else {
            t.addUnobserved();
            return;
        }
        if (violation != null) t.addOutcome(violation);
    }
}
