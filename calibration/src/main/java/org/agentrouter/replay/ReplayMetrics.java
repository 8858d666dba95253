package org.agentrouter.replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.eval.RoutingCurve;

/**
 * The figures of a replayed stream (issue 21's protocol): over a set of decisions, the cost saved against
 * sending everything to the strong model (probes included), the violation rate (share of the queries that
 * needed the strong model, strong right and weak wrong, that got only the weak answer), the strong and probe
 * shares, and RouteLLM's APGR on the p_strong each decision was made with.
 *
 * <p>Standard errors: the violation rate's is binomial over the strong-needed queries; the per-namespace mean
 * violation rate (the quantity group risk control bounds) has the standard error of a mean over namespaces.
 */
public final class ReplayMetrics {
    private ReplayMetrics() {}

    /** One decided query of the stream, with both outcomes (known to the replay, not to the router). */
    public record Decision(String namespace, int position, int row, boolean strong, boolean probe, double pStrong,
                           double costUsd, double strongCostUsd, double weakOutcome, double strongOutcome,
                           boolean needsStrong) {
        /**
         * The decision the router made on the namespace's query at {@code pos}, with what it cost (the other model's
         * call included for a probe) and what the row's outcomes say (pass or fail at {@code goodAt}). The one place
         * both replays (in process and through the job) turn a route into a measured decision.
         */
        public static Decision of(ReplayNamespace ns, int pos, boolean strong, boolean probe, double pStrong, double goodAt) {
            double w = ns.weak()[pos];
            double s = ns.strong()[pos];
            double cost = (strong ? ns.strongCost()[pos] : ns.weakCost()[pos])
                    + (probe ? (strong ? ns.weakCost()[pos] : ns.strongCost()[pos]) : 0);
            return new Decision(ns.name(), pos, ns.rows()[pos], strong, probe, pStrong, cost, ns.strongCost()[pos],
                    w >= goodAt ? 1 : 0, s >= goodAt ? 1 : 0, s >= goodAt && w < goodAt);
        }

        /** Answered by the weak model alone: a violation when the query needed the strong model. */
        boolean weakOnly() {
            return !strong && !probe;
        }
    }

    public record Summary(int queries, double costSaved, double violationRate, double violationRateSe,
                          double namespaceViolationRate, double namespaceViolationRateSe, int namespaces,
                          int needsStrong, int violations, double strongShare, double probeShare, double apgr) {
        public Map<String, Object> json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("queries", queries);
            m.put("cost_saved", round(costSaved));
            m.put("violation_rate", round(violationRate));
            m.put("violation_rate_se", round(violationRateSe));
            m.put("namespace_violation_rate", round(namespaceViolationRate));
            m.put("namespace_violation_rate_se", round(namespaceViolationRateSe));
            m.put("namespaces", namespaces);
            m.put("needs_strong", needsStrong);
            m.put("violations", violations);
            m.put("strong_share", round(strongShare));
            m.put("probe_share", round(probeShare));
            m.put("apgr", round(apgr));
            return m;
        }
    }

    public static Summary summarize(List<Decision> ds) {
        int n = ds.size();
        if (n == 0) return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0, 0, 0, Double.NaN, Double.NaN, Double.NaN);
        double cost = 0, strongCost = 0;
        int strong = 0, probes = 0, needs = 0, violations = 0;
        double[] scores = new double[n], weak = new double[n], strongOut = new double[n];
        Map<String, int[]> perNamespace = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Decision d = ds.get(i);
            cost += d.costUsd();
            strongCost += d.strongCostUsd();
            if (d.strong()) strong++;
            if (d.probe()) probes++;
            int[] c = perNamespace.computeIfAbsent(d.namespace(), k -> new int[2]);
            if (d.needsStrong()) {
                needs++;
                c[0]++;
                if (d.weakOnly()) {
                    violations++;
                    c[1]++;
                }
            }
            scores[i] = d.pStrong();
            weak[i] = d.weakOutcome();
            strongOut[i] = d.strongOutcome();
        }
        double v = needs == 0 ? Double.NaN : violations / (double) needs;
        double se = needs == 0 ? Double.NaN : Math.sqrt(v * (1 - v) / needs);
        List<Double> rates = new ArrayList<>();
        for (int[] c : perNamespace.values()) if (c[0] > 0) rates.add(c[1] / (double) c[0]);
        double mean = rates.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double nsSe = Double.NaN;
        if (rates.size() > 1) {
            double ss = 0;
            for (double r : rates) ss += (r - mean) * (r - mean);
            nsSe = Math.sqrt(ss / (rates.size() - 1) / rates.size());
        }
        double apgr;
        try {
            apgr = RoutingCurve.evaluate(scores, weak, strongOut, 0, 0).apgr();
        } catch (IllegalArgumentException e) {
            apgr = Double.NaN;
        }
        return new Summary(n, strongCost == 0 ? Double.NaN : 1 - cost / strongCost, v, se, mean, nsSe, perNamespace.size(),
                needs, violations, strong / (double) n, probes / (double) n, apgr);
    }

    /** Cost saved and violation rate per window of {@code window} queries of each namespace's stream, pooled over namespaces. */
    public static List<Map<String, Object>> curve(List<Decision> ds, int window) {
        Map<Integer, List<Decision>> byWindow = new java.util.TreeMap<>();
        for (Decision d : ds) byWindow.computeIfAbsent(d.position() / window, k -> new ArrayList<>()).add(d);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Decision>> e : byWindow.entrySet()) {
            Summary s = summarize(e.getValue());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("from", e.getKey() * window);
            m.put("to", (e.getKey() + 1) * window);
            m.put("queries", s.queries());
            m.put("namespaces", s.namespaces());
            m.put("cost_saved", round(s.costSaved()));
            m.put("violation_rate", round(s.violationRate()));
            m.put("strong_share", round(s.strongShare()));
            m.put("probe_share", round(s.probeShare()));
            out.add(m);
        }
        return out;
    }

    static Object round(double v) {
        if (Double.isNaN(v)) return null;
        return Math.round(v * 10000) / 10000.0;
    }

    /** Splits a stream at each namespace's {@code coldQueries}-th query. */
    public static Map<String, List<Decision>> coldWarm(List<Decision> ds, int coldQueries) {
        Map<String, List<Decision>> m = new HashMap<>();
        m.put("cold", new ArrayList<>());
        m.put("warm", new ArrayList<>());
        for (Decision d : ds) m.get(d.position() < coldQueries ? "cold" : "warm").add(d);
        return m;
    }
}
