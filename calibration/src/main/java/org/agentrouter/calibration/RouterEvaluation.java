package org.agentrouter.calibration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.eval.RoutingCurve;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.schema.ConformalCalibration;

/**
 * What `./router eval` reports: the RouteLLM curve of the router's scores with the cost of each
 * operating point, and, for a quality target alpha, what the release's conformal calibration does.
 */
public final class RouterEvaluation {
    private RouterEvaluation() {}

    /**
     * @param weak outcomes of the cheap model, per scored question (same order as {@code s})
     * @param inputTokens prompt tokens per scored question, for costs
     */
    public static Map<String, Object> report(OfflineScoring.Scored s, double[] weak, double[] strong, int[] inputTokens,
                                             PricingTable pricing, ConformalCalibration calibration, Double alpha) {
        return report(s, weak, strong, inputTokens, pricing, calibration, alpha == null ? List.of() : List.of(alpha), null, null);
    }

    /**
     * @param alphas quality targets to report the conformal decision at: one puts its figures at the top
     *     level of the report, several put one object per alpha in {@code by_alpha}
     * @param group the group (subject) of each scored question, for the per-group violation rate; or null
     * @param groupNames names of the groups by index, for the per-group breakdown; or null
     */
    public static Map<String, Object> report(OfflineScoring.Scored s, double[] weak, double[] strong, int[] inputTokens,
                                             PricingTable pricing, ConformalCalibration calibration, List<Double> alphas,
                                             int[] group, List<String> groupNames) {
        RoutingCurve curve = RoutingCurve.evaluate(s.pStrong(), weak, strong);
        double[] cheapCost = new double[s.size()];
        double[] strongCost = new double[s.size()];
        double allStrong = 0;
        for (int i = 0; i < s.size(); i++) {
            cheapCost[i] = pricing.costUsd(0, inputTokens[i]);
            strongCost[i] = pricing.costUsd(pricing.strongest(), inputTokens[i]);
            allStrong += strongCost[i];
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("n", curve.n());
        r.put("acc_weak", curve.accWeak());
        r.put("acc_strong", curve.accStrong());
        r.put("apgr", curve.apgr());
        r.put("cpt50", curve.cpt50());
        r.put("cpt80", curve.cpt80());
        r.put("random_apgr", curve.randomApgr());
        r.put("cost_all_strong_usd", allStrong);
        List<Map<String, Object>> points = new ArrayList<>();
        List<RoutingCurve.Point> ps = curve.points();
        for (int k = 0; k < ps.size(); k++) {
            RoutingCurve.Point p = ps.get(k);
            boolean none = k == ps.size() - 1; // the last point sends nothing to the strong model
            double cost = 0;
            for (int i = 0; i < s.size(); i++) {
                cost += !none && s.pStrong()[i] >= p.threshold() ? strongCost[i] : cheapCost[i];
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("threshold", p.threshold());
            m.put("strong_share", p.strongShare());
            m.put("accuracy", p.accuracy());
            m.put("pgr", p.pgr());
            m.put("cost_usd", cost);
            points.add(m);
        }
        r.put("points", points);
        r.put("calibration_method", calibration.getMethod());
        r.put("calibration_groups", calibration.getGroupCount());
        if (alphas.size() == 1) {
            r.putAll(atAlpha(s, calibration, alphas.get(0), group, groupNames, cheapCost, strongCost, allStrong));
        } else if (alphas.size() > 1) {
            List<Map<String, Object>> byAlpha = new ArrayList<>();
            for (double a : alphas) byAlpha.add(atAlpha(s, calibration, a, group, groupNames, cheapCost, strongCost, allStrong));
            r.put("by_alpha", byAlpha);
        }
        return r;
    }

    /**
     * What the calibration does at one alpha. violation_rate is pooled over the questions that needed the
     * strong model; violation_rate_group_mean is the mean of each group's own rate (the quantity group risk
     * control bounds in expectation). The oracle shares are what a threshold on p_strong tuned on these
     * very questions needs: for the violation rate reached, and for alpha itself (pooled and group mean).
     */
    private static Map<String, Object> atAlpha(OfflineScoring.Scored s, ConformalCalibration calibration, double alpha,
                                               int[] group, List<String> groupNames, double[] cheapCost,
                                               double[] strongCost, double allStrong) {
        Map<String, Object> r = new LinkedHashMap<>();
        ConformalFit.Outcome o = ConformalFit.apply(s, calibration, alpha, group);
        double cost = 0;
        int[] routes = ConformalFit.routes(s, calibration, alpha);
        for (int i = 0; i < s.size(); i++) cost += routes[i] == RoutingLabels.STRONG ? strongCost[i] : cheapCost[i];
        r.put("alpha", alpha);
        r.put("violation_rate", o.violationsAmongStrongLabels());
        r.put("violation_share_of_all", o.violationRate());
        r.put("coverage", o.coverage());
        r.put("strong_share", o.strongShare());
        r.put("cost_usd", cost);
        r.put("cost_saved", 1.0 - cost / allStrong);
        r.put("oracle_strong_share", ConformalFit.oracleStrongShare(s, o.violationsAmongStrongLabels()));
        r.put("oracle_strong_share_at_alpha", ConformalFit.oracleStrongShare(s, alpha));
        if (group != null) {
            r.put("violation_rate_group_mean", o.meanGroupViolationRate());
            r.put("groups_with_strong_labels", o.groupsWithStrongLabels());
            r.put("oracle_strong_share_at_alpha_group_mean", ConformalFit.oracleStrongShareForGroupMean(s, group, alpha));
            if (groupNames != null) r.put("by_group", byGroup(s, routes, group, groupNames));
        }
        return r;
    }

    /** Per group: questions, those that needed the strong model, their violation rate (null without any), strong share. */
    private static Map<String, Object> byGroup(OfflineScoring.Scored s, int[] routes, int[] group, List<String> names) {
        int groups = names.size();
        int[] n = new int[groups], needed = new int[groups], violated = new int[groups], strong = new int[groups];
        for (int i = 0; i < s.size(); i++) {
            int g = group[i];
            n[g]++;
            if (routes[i] == RoutingLabels.STRONG) strong[g]++;
            if (s.labels()[i] == RoutingLabels.STRONG) {
                needed[g]++;
                if (routes[i] == RoutingLabels.CHEAP) violated[g]++;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (int g = 0; g < groups; g++) {
            if (n[g] == 0) continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("n", n[g]);
            m.put("needed_strong", needed[g]);
            m.put("violation_rate", needed[g] == 0 ? null : (Object) (violated[g] / (double) needed[g]));
            m.put("strong_share", strong[g] / (double) n[g]);
            out.put(names.get(g), m);
        }
        return out;
    }
}
