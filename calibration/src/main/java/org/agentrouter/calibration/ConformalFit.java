package org.agentrouter.calibration;

import java.util.ArrayList;
import java.util.List;
import org.agentrouter.routing.ConformalCalibrator;
import org.agentrouter.routing.ConformalRule;
import org.agentrouter.routing.GroupRiskControl;
import org.agentrouter.schema.ConformalCalibration;

/** Conformal thresholds from scored held-out questions, and what they do on a set of scored questions. */
public final class ConformalFit {
    private ConformalFit() {}

    public static ConformalCalibration fit(OfflineScoring.Scored s, double[] alphas, boolean mondrian, String dataHash) {
        double[][] probs = new double[s.size()][];
        for (int i = 0; i < s.size(); i++) probs[i] = new double[] {1 - s.pStrong()[i], s.pStrong()[i]};
        double[][] t = ConformalCalibrator.fit(probs, s.labels(), 2, alphas, mondrian);
        return ConformalCalibration.newBuilder()
                .setMethod(mondrian ? "mondrian" : "split")
                .setAlphas(boxed(alphas))
                .setCheapThresholds(boxed(t[RoutingLabels.CHEAP]))
                .setStrongThresholds(boxed(t[RoutingLabels.STRONG]))
                .setCalibrationSize(s.size())
                .setDataHash(dataHash)
                .build();
    }

    /**
     * Group risk control (see {@link GroupRiskControl}): {@code group[j]} is the group (subject) of scored
     * question j, out of {@code groupCount}.
     */
    public static ConformalCalibration fitGroupRisk(OfflineScoring.Scored s, int[] group, int groupCount, double[] alphas,
                                                    String dataHash) {
        GroupRiskControl.Fit fit = GroupRiskControl.fit(s.pStrong(), needsStrong(s), group, groupCount, alphas);
        double[][] t = GroupRiskControl.thresholds(fit.cheapBelow());
        return ConformalCalibration.newBuilder()
                .setMethod(GROUP_RISK)
                .setAlphas(boxed(alphas))
                .setCheapThresholds(boxed(t[RoutingLabels.CHEAP]))
                .setStrongThresholds(boxed(t[RoutingLabels.STRONG]))
                .setCalibrationSize(s.size())
                .setDataHash(dataHash)
                .setGroupCount(fit.groups())
                .build();
    }

    public static final String GROUP_RISK = "group-risk";

    static boolean[] needsStrong(OfflineScoring.Scored s) {
        boolean[] out = new boolean[s.size()];
        for (int i = 0; i < out.length; i++) out[i] = s.labels()[i] == RoutingLabels.STRONG;
        return out;
    }

    /**
     * Outcome of routing {@code s} with {@code c} at one alpha. {@code violationsAmongStrongLabels} is pooled
     * over questions; {@code meanGroupViolationRate} is the mean over groups (those with a question that
     * needed the strong model, {@code groupsWithStrongLabels} of them) of each group's rate: what group risk
     * control promises. NaN and 0 without groups.
     */
    public record Outcome(double alpha, int n, double violationRate, double violationsAmongStrongLabels,
                          double strongShare, double coverage, double meanGroupViolationRate, int groupsWithStrongLabels) {}

    public static Outcome apply(OfflineScoring.Scored s, ConformalCalibration c, double alpha) {
        return apply(s, c, alpha, null);
    }

    /** @param group the group of each scored question, or null */
    public static Outcome apply(OfflineScoring.Scored s, ConformalCalibration c, double alpha, int[] group) {
        double[] alphas = unboxed(c.getAlphas());
        double[][] thresholds = {unboxed(c.getCheapThresholds()), unboxed(c.getStrongThresholds())};
        ConformalRule.Decision d = new ConformalRule.Decision();
        int violations = 0, strong = 0, covered = 0, strongLabels = 0;
        int groups = 0;
        if (group != null) for (int g : group) groups = Math.max(groups, g + 1);
        int[] strongOfGroup = new int[groups];
        int[] violatedOfGroup = new int[groups];
        for (int i = 0; i < s.size(); i++) {
            double p = s.pStrong()[i];
            ConformalRule.decide(new double[] {1 - p, p}, alpha, alpha, alphas, thresholds, d);
            int label = s.labels()[i];
            boolean violated = d.route == RoutingLabels.CHEAP && label == RoutingLabels.STRONG;
            if (label == RoutingLabels.STRONG) strongLabels++;
            if (d.route == RoutingLabels.STRONG) strong++;
            if (violated) violations++;
            if (d.inSet(label)) covered++;
            if (group != null && label == RoutingLabels.STRONG) {
                strongOfGroup[group[i]]++;
                if (violated) violatedOfGroup[group[i]]++;
            }
        }
        double sum = 0;
        int m = 0;
        for (int g = 0; g < groups; g++) {
            if (strongOfGroup[g] == 0) continue;
            sum += violatedOfGroup[g] / (double) strongOfGroup[g];
            m++;
        }
        int n = s.size();
        return new Outcome(alpha, n, violations / (double) n, strongLabels == 0 ? 0 : violations / (double) strongLabels,
                strong / (double) n, covered / (double) n, m == 0 ? Double.NaN : sum / m, m);
    }

    /**
     * The smallest strong share a plain threshold on p_strong, tuned on these very questions, needs to keep
     * the mean over groups of the violation rate at or below {@code alpha}: the oracle for the promise of
     * group risk control. 0 when no group has a question that needed the strong model (nothing to violate).
     */
    public static double oracleStrongShareForGroupMean(OfflineScoring.Scored s, int[] group, double alpha) {
        int n = s.size();
        int groups = 0;
        for (int g : group) groups = Math.max(groups, g + 1);
        int[] strongOfGroup = new int[groups];
        for (int i = 0; i < n; i++) if (s.labels()[i] == RoutingLabels.STRONG) strongOfGroup[group[i]]++;
        int m = 0;
        for (int c : strongOfGroup) if (c > 0) m++;
        if (m == 0) return 0.0;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(s.pStrong()[b], s.pStrong()[a]));
        double mean = 1.0; // everything cheap: every strong-needed question violated
        if (mean <= alpha + 1e-12) return 0.0;
        for (int k = 1; k <= n; k++) {
            int i = order[k - 1];
            if (s.labels()[i] == RoutingLabels.STRONG) mean -= 1.0 / (m * (double) strongOfGroup[group[i]]);
            if (mean <= alpha + 1e-12) return k / (double) n;
        }
        return 1.0;
    }

    /** The route each scored question gets at {@code alpha}. */
    public static int[] routes(OfflineScoring.Scored s, ConformalCalibration c, double alpha) {
        double[] alphas = unboxed(c.getAlphas());
        double[][] thresholds = {unboxed(c.getCheapThresholds()), unboxed(c.getStrongThresholds())};
        ConformalRule.Decision d = new ConformalRule.Decision();
        int[] out = new int[s.size()];
        for (int i = 0; i < s.size(); i++) {
            double p = s.pStrong()[i];
            ConformalRule.decide(new double[] {1 - p, p}, alpha, alpha, alphas, thresholds, d);
            out[i] = d.route;
        }
        return out;
    }

    /**
     * The smallest strong share a plain threshold on p_strong, tuned on these very questions, needs to
     * keep the violation rate (among questions that needed the strong model) at or below
     * {@code violationRate}: what an oracle that saw the answers would pay for the same quality.
     */
    public static double oracleStrongShare(OfflineScoring.Scored s, double violationRate) {
        int n = s.size();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(s.pStrong()[b], s.pStrong()[a]));
        int strongLabels = 0;
        for (int l : s.labels()) if (l == RoutingLabels.STRONG) strongLabels++;
        if (strongLabels == 0) return 0.0;
        int allowedMisses = (int) Math.floor(violationRate * strongLabels + 1e-9);
        // Send the top-scored k to strong; misses = strong labels outside the top k.
        int missed = strongLabels;
        if (missed <= allowedMisses) return 0.0;
        for (int k = 1; k <= n; k++) {
            if (s.labels()[order[k - 1]] == RoutingLabels.STRONG) missed--;
            if (missed <= allowedMisses) return k / (double) n;
        }
        return 1.0;
    }

    static List<Double> boxed(double[] values) {
        List<Double> out = new ArrayList<>(values.length);
        for (double v : values) out.add(v);
        return out;
    }

    static double[] unboxed(List<Double> values) {
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) out[i] = values.get(i);
        return out;
    }
}
