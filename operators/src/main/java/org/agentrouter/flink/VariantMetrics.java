package org.agentrouter.flink;

import org.agentrouter.release.ModelSlots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.rollout.VariantStats;
import org.agentrouter.scoring.SemanticVersion;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Decisions per model variant, so that a challenger can be compared with the champion on the same
 * dashboard: decisions per route, fallbacks, scoring failures (errors), strong-route decisions, scoring and
 * processing latency (their quantiles give p95), and the version the variant runs (a gauge, so the series
 * keep their names across releases). Metric group {@code router.variant.<role>}, role champion, challenger
 * or shadow (a challenger in shadow mode: what it would have decided). All three exist from the start, so
 * dashboards and scrapes see them before any challenger.
 *
 * <p>Next to the metrics, the same counts per role and version since the last report, which the routing
 * function sends to the rollout judge ({@link #drainReports}).
 */
final class VariantMetrics {
    static final String SHADOW = "shadow";
    static final String[] ROLES = {ModelSlots.CHAMPION, ModelSlots.CHALLENGER, SHADOW};

    private final MetricGroup root;
    private final String strongestRoute;
    private final List<String> routes;
    private final Map<String, Variant> byRole = new HashMap<>(4);
    /** Counts since the last report, by role|version. */
    private final Map<String, VariantStats> pending = new HashMap<>(4);

    VariantMetrics(MetricGroup router, List<String> routes, String strongestRoute) {
        this.root = router;
        this.routes = routes;
        this.strongestRoute = strongestRoute;
        for (String role : ROLES) variant(role);
    }

    /**
     * One decision (or, for role shadow, one would-be decision).
     *
     * @param scoringMicros the scoring call's time, -1 when there was no call (no model, circuit open)
     */
    void record(String role, String version, String route, boolean fellBack, boolean scoringFailed, long latencyUs,
                long scoringMicros) {
        Variant v = variant(role == null ? "none" : role);
        v.decisions(route).inc();
        boolean strong = route.equals(strongestRoute);
        if (fellBack) v.fallbacks.inc();
        if (strong) v.strong.inc();
        if (scoringFailed) v.scoringFailures.inc();
        if (latencyUs >= 0) v.latencyUs.update(latencyUs);
        if (scoringMicros >= 0) v.scoringUs.update(scoringMicros);
        v.version = version;
        boolean shadow = SHADOW.equals(role);
        String judgedRole = shadow ? ModelSlots.CHALLENGER : role;
        if (version == null || judgedRole == null) return;
        pending.computeIfAbsent(judgedRole + "|" + version + "|" + shadow,
                        k -> VariantStats.decisions(judgedRole, version, shadow, 0))
                .record(scoringFailed, fellBack, strong, scoringMicros);
    }

    /** The counts since the last call, stamped with {@code nowMs} and the subtask, and starts afresh. */
    List<VariantStats> drainReports(long nowMs, int subtask) {
        List<VariantStats> out = new ArrayList<>(pending.size());
        for (VariantStats s : pending.values()) {
            s.atMs = nowMs;
            s.subtask = subtask;
            out.add(s);
        }
        pending.clear();
        return out;
    }

    private Variant variant(String role) {
        return byRole.computeIfAbsent(role, r -> {
            Variant v = new Variant(root.addGroup("variant", r));
            for (String route : routes) v.decisions(route);
            return v;
        });
    }

    private static final class Variant {
        final MetricGroup group;
        final Map<String, Counter> byRoute = new HashMap<>(4);
        final Counter fallbacks;
        final Counter strong;
        final Counter scoringFailures;
        final Histogram latencyUs;
        final Histogram scoringUs;
        volatile String version;

        Variant(MetricGroup group) {
            this.group = group;
            this.fallbacks = group.counter("fallbacks");
            this.strong = group.counter("strongDecisions");
            this.scoringFailures = group.counter("scoringFailures");
            this.latencyUs = group.histogram("processingLatencyUs", new DescriptiveStatisticsHistogram(1024));
            this.scoringUs = group.histogram("scoringLatencyUs", new DescriptiveStatisticsHistogram(1024));
            // MAJOR*1e6 + MINOR*1e3 + PATCH of the last decision's version, 0 before any.
            group.gauge("modelVersion", () -> encode(version));
        }

        Counter decisions(String route) {
            return byRoute.computeIfAbsent(route, r -> group.addGroup("route", r).counter("decisions"));
        }
    }

    static long encode(String version) {
        if (version == null) return 0;
        try {
            SemanticVersion v = SemanticVersion.parse(version);
            return v.major() * 1_000_000L + v.minor() * 1_000L + v.patch();
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
