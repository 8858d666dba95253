package org.agentrouter.flink;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Decisions per model variant (role: champion or challenger), so that a challenger can be compared with
 * the champion on the same dashboard: decisions per route, fallbacks (the scorer failed or its circuit was
 * open), strong-route decisions, and processing latency (its quantiles give p95). Metric group
 * {@code router.variant.<role>}. The champion's metrics exist from the start (so dashboards and scrapes see
 * them before any traffic); a challenger's appear with its first decision.
 */
final class VariantMetrics {
    private final MetricGroup root;
    private final String strongestRoute;
    private final Map<String, Variant> byRole = new HashMap<>(4);

    VariantMetrics(MetricGroup router, List<String> routes, String strongestRoute) {
        this.root = router;
        this.strongestRoute = strongestRoute;
        Variant champion = variant("champion");
        for (String route : routes) champion.decisions(route);
    }

    void record(String role, String route, boolean fellBack, long latencyUs) {
        Variant v = variant(role == null ? "none" : role);
        v.decisions(route).inc();
        if (fellBack) v.fallbacks.inc();
        if (route.equals(strongestRoute)) v.strong.inc();
        v.latencyUs.update(latencyUs);
    }

    private Variant variant(String role) {
        return byRole.computeIfAbsent(role, r -> new Variant(root.addGroup("variant", r)));
    }

    private static final class Variant {
        final MetricGroup group;
        final Map<String, Counter> byRoute = new HashMap<>(4);
        final Counter fallbacks;
        final Counter strong;
        final Histogram latencyUs;

        Variant(MetricGroup group) {
            this.group = group;
            this.fallbacks = group.counter("fallbacks");
            this.strong = group.counter("strongDecisions");
            this.latencyUs = group.histogram("processingLatencyUs", new DescriptiveStatisticsHistogram(1024));
        }

        Counter decisions(String route) {
            return byRoute.computeIfAbsent(route, r -> group.addGroup("route", r).counter("decisions"));
        }
    }
}
