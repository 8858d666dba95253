package org.agentrouter.routing;

import java.util.Arrays;

/**
 * Conformal risk control with the group (a subject, a namespace, a task family) as the exchangeable
 * unit, after Angelopoulos, Bates, Fisch, Lei and Schuster, "Conformal Risk Control" (2022).
 *
 * <p>Per-question calibration (split or Mondrian) promises coverage for a new question exchangeable
 * with the calibration questions. Queries of a new subject are not: their scores shift together. What
 * is exchangeable is the subjects themselves, so the promise here is about a new group: route cheap
 * when p_strong &lt; lambda, and let the loss of group g be its violation rate
 * L_g(lambda) = share of g's questions that needed the strong model and were sent cheap. L_g is in
 * [0, 1] (B = 1) and non-decreasing in lambda. The chosen lambda is the largest (cheapest) with
 *
 * <pre>  m / (m + 1) * mean_g L_g(lambda) + B / (m + 1) &lt;= alpha</pre>
 *
 * over the m calibration groups; then E[L_new(lambda)] &lt;= alpha for a new group exchangeable with
 * them (the expectation is over calibration groups and the new group, not per group).
 *
 * <p>Weights: each group counts once (mean of per-group rates), because the theorem needs one bounded
 * loss per exchangeable unit. A pooled rate over questions weights groups by their number of
 * strong-needed questions, which is a ratio of sums, not a mean of bounded exchangeable losses.
 * Groups without any question that needed the strong model are left out of m: their violation rate
 * is undefined (nothing to violate), and counting them as 0 would make the promise look cheaper than
 * it is for groups that do have such questions. Small groups stay in: a rate over few questions is
 * noisy but still in [0, 1], which is all the bound needs.
 *
 * <p>The price of the unit: the B / (m + 1) term means alpha below 1 / (m + 1) cannot be met by any
 * lambda but 0 (everything strong).
 */
public final class GroupRiskControl {
    private GroupRiskControl() {}

    /** Upper bound of a group's loss: a violation rate. */
    static final double MAX_LOSS = 1.0;

    /**
     * @param cheapBelow per alpha: route cheap when p_strong is below it (0: never cheap)
     * @param groups m, the calibration groups with at least one question that needed the strong model
     * @param meanLoss per alpha: mean over those groups of their violation rate at cheapBelow
     */
    public record Fit(double[] cheapBelow, int groups, double[] meanLoss) {}

    /**
     * @param pStrong the scorer's p_strong per calibration question
     * @param needsStrong per question: its label is the strong route (strong answers well, cheap does not)
     * @param group per question: its group, 0 ... groupCount - 1
     */
    public static Fit fit(double[] pStrong, boolean[] needsStrong, int[] group, int groupCount, double[] alphas) {
        if (pStrong.length != needsStrong.length || pStrong.length != group.length) {
            throw new IllegalArgumentException("pStrong, needsStrong and group differ in length");
        }
        int[] strongInGroup = new int[groupCount];
        int entries = 0;
        for (int i = 0; i < pStrong.length; i++) {
            if (needsStrong[i]) {
                strongInGroup[group[i]]++;
                entries++;
            }
        }
        int m = 0;
        for (int c : strongInGroup) if (c > 0) m++;

        // Each strong-needed question, with the share of the mean group loss it adds once sent cheap.
        double[] p = new double[entries];
        double[] weight = new double[entries];
        Integer[] order = new Integer[entries];
        int e = 0;
        for (int i = 0; i < pStrong.length; i++) {
            if (!needsStrong[i]) continue;
            p[e] = pStrong[i];
            weight[e] = 1.0 / (m * (double) strongInGroup[group[i]]);
            order[e] = e;
            e++;
        }
        Arrays.sort(order, (a, b) -> Double.compare(p[a], p[b]));

        double[] cheapBelow = new double[alphas.length];
        double[] meanLoss = new double[alphas.length];
        for (int a = 0; a < alphas.length; a++) {
            double best = 0.0;
            double bestLoss = 0.0;
            // Candidates: each distinct p of a strong-needed question (the loss at lambda = p counts the
            // questions strictly below it), then 1.0. The mean loss only grows along the sweep.
            double lossBelow = 0.0;
            int j = 0;
            while (true) {
                double candidate = j < entries ? p[order[j]] : 1.0;
                if (candidate > 1.0) candidate = 1.0;
                if (bound(lossBelow, m) > alphas[a] + 1e-12) break;
                best = candidate;
                bestLoss = lossBelow;
                if (j >= entries || candidate >= 1.0) break;
                while (j < entries && p[order[j]] == candidate) {
                    lossBelow += weight[order[j]];
                    j++;
                }
            }
            // m = 0: no group ever needed the strong model; the bound is B and nothing is promised cheaply.
            cheapBelow[a] = m == 0 ? 0.0 : best;
            meanLoss[a] = m == 0 ? 0.0 : bestLoss;
        }
        return new Fit(cheapBelow, m, meanLoss);
    }

    /** The conformal risk control bound of a mean group loss over m groups. */
    static double bound(double meanLoss, int m) {
        return (m * meanLoss + MAX_LOSS) / (m + 1.0);
    }

    /**
     * The mean over groups (those with at least one strong-needed question) of the violation rate when
     * questions with p_strong below {@code cheapBelow} go cheap; NaN without such groups.
     */
    public static double meanGroupViolationRate(double[] pStrong, boolean[] needsStrong, int[] group, int groupCount,
                                                double cheapBelow) {
        int[] strong = new int[groupCount];
        int[] violated = new int[groupCount];
        for (int i = 0; i < pStrong.length; i++) {
            if (!needsStrong[i]) continue;
            strong[group[i]]++;
            if (pStrong[i] < cheapBelow) violated[group[i]]++;
        }
        double sum = 0;
        int m = 0;
        for (int g = 0; g < groupCount; g++) {
            if (strong[g] == 0) continue;
            sum += violated[g] / (double) strong[g];
            m++;
        }
        return m == 0 ? Double.NaN : sum / m;
    }

    /**
     * Thresholds for {@link ConformalRule}: the cheap route is in the set when p_strong &lt;= lambda and
     * the strong route when p_strong &gt;= lambda, so the decision (the most expensive route in the set)
     * is cheap exactly when p_strong &lt; lambda. Row 0 cheap, row 1 strong, per alpha.
     */
    public static double[][] thresholds(double[] cheapBelow) {
        double[][] t = new double[2][cheapBelow.length];
        for (int a = 0; a < cheapBelow.length; a++) {
            t[0][a] = cheapBelow[a];
            t[1][a] = 1.0 - cheapBelow[a];
        }
        return t;
    }
}
