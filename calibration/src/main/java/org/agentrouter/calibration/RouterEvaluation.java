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
        if (alpha != null) {
            ConformalFit.Outcome o = ConformalFit.apply(s, calibration, alpha);
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
        }
        return r;
    }
}
