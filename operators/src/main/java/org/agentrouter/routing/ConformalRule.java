package org.agentrouter.routing;

/**
 * Split conformal routing over ordered routes (cheapest first). The label of a query is the
 * cheapest route that answers it well. For a calibrated alpha, route k belongs to the prediction
 * set when its non-conformity score 1 - P(label = k) is at most that route's threshold, so the set
 * holds the true label with probability >= 1 - alpha (per route under Mondrian calibration).
 * Because a stronger route also answers what a cheaper one does, the decision is the most expensive
 * route in the set: the cheapest route that is safe for every label the set allows. An empty set
 * (nothing plausible) goes to the strongest route. Thresholds from {@link GroupRiskControl} make the
 * set a single route (cheap below lambda, strong from it): the promise is then the expected violation
 * rate of a new group, not per-question coverage.
 *
 * <p>Pure and allocation-free: the caller owns the {@link Decision} it passes in.
 */
public final class ConformalRule {
    private ConformalRule() {}

    public static final class Decision {
        public int route;
        /** Bit k set when route k is in the prediction set (at most 64 routes). */
        public long predictionSet;
        public int setSize;
        public boolean uncertain;
        public double alphaApplied;
        /** Probability of the most likely label: how sure the scorer is. */
        public double confidence;
        /** Why the guarantee could not be applied as asked, else null. */
        public String note;

        public boolean inSet(int route) {
            return (predictionSet & (1L << route)) != 0;
        }
    }

    /**
     * @param labelProbs P(label = k) for each route k, from the scorer
     * @param requestedAlpha the query's quality target; NaN for the default
     * @param alphas calibrated alphas
     * @param thresholds thresholds[k][a]: route k is in the set at alphas[a] when 1 - labelProbs[k] <= it
     */
    public static void decide(double[] labelProbs, double requestedAlpha, double defaultAlpha,
                              double[] alphas, double[][] thresholds, Decision out) {
        int routes = labelProbs.length;
        double wanted = Double.isNaN(requestedAlpha) ? defaultAlpha : requestedAlpha;
        int a = strictestAtLeast(alphas, wanted);
        out.note = null;
        out.confidence = 0;
        for (double p : labelProbs) out.confidence = Math.max(out.confidence, p);
        if (a < 0) {
            // No calibration is as strict as asked: only the strongest route keeps the promise.
            out.route = routes - 1;
            out.predictionSet = (1L << routes) - 1;
            out.setSize = routes;
            out.uncertain = true;
            out.alphaApplied = wanted;
            out.note = "alpha " + wanted + " is stricter than any calibrated alpha; sent to the strongest route";
            return;
        }
        out.alphaApplied = alphas[a];
        long set = 0;
        int size = 0;
        int top = -1;
        for (int k = 0; k < routes; k++) {
            if (1.0 - labelProbs[k] <= thresholds[k][a]) {
                set |= 1L << k;
                size++;
                top = k;
            }
        }
        out.predictionSet = set;
        out.setSize = size;
        out.uncertain = size != 1;
        out.route = top < 0 ? routes - 1 : top;
    }

    /** Index of the largest calibrated alpha that is <= wanted (the nearest at least as strict), or -1. */
    static int strictestAtLeast(double[] alphas, double wanted) {
        int best = -1;
        for (int i = 0; i < alphas.length; i++) {
            if (alphas[i] <= wanted + 1e-12 && (best < 0 || alphas[i] > alphas[best])) {
                best = i;
            }
        }
        return best;
    }
}
