package org.agentrouter.routing;

/**
 * The live side of the conformal guarantee: over the last {@code capacity} outcomes reported for one router
 * model version, the share of queries sent below the strongest route whose answer failed, and whether that
 * share exceeds the alpha the decisions were made under by more than sampling error explains.
 *
 * <p>A failed cheap answer is counted as a violation even when the strong model would have failed too (live
 * feedback cannot tell), so the live rate is an upper bound of the offline violation rate and the drift flag
 * errs on the side of raising an alarm. Drift is declared when the one-sided 99% Wilson lower bound of the
 * rate is above the mean alpha of the window, with at least {@code minOutcomes} outcomes.
 *
 * <p>A Flink POJO (public fields, no-arg constructor) so it can live in keyed state as it is.
 */
public final class GuaranteeWindow {
    /** One-sided 99% normal quantile. */
    static final double Z = 2.326;

    public boolean[] violations;
    public float[] alphas;
    public int size;
    public int next;
    public int violationCount;
    public double alphaSum;
    public long total;
    public int minOutcomes;

    public GuaranteeWindow() {}

    public GuaranteeWindow(int capacity, int minOutcomes) {
        if (capacity < 1 || minOutcomes < 1) throw new IllegalArgumentException("capacity and minOutcomes must be positive");
        this.violations = new boolean[capacity];
        this.alphas = new float[capacity];
        this.minOutcomes = minOutcomes;
    }

    /** Records one outcome: whether it was a violation, and the alpha its decision was made under. */
    public void add(boolean violation, double alpha) {
        if (size == violations.length) {
            if (violations[next]) violationCount--;
            alphaSum -= alphas[next];
        } else {
            size++;
        }
        violations[next] = violation;
        alphas[next] = (float) alpha;
        if (violation) violationCount++;
        alphaSum += (float) alpha;
        next = (next + 1) % violations.length;
        total++;
    }

    public double violationRate() {
        return size == 0 ? 0 : (double) violationCount / size;
    }

    public double meanAlpha() {
        return size == 0 ? 0 : alphaSum / size;
    }

    /** Wilson score lower bound (one-sided 99%) of the violation rate. */
    public double rateLowerBound() {
        if (size == 0) return 0;
        double n = size;
        double p = violationRate();
        double z2 = Z * Z;
        double centre = p + z2 / (2 * n);
        double spread = Z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        return Math.max(0, (centre - spread) / (1 + z2 / n));
    }

    public boolean drifting() {
        return size >= minOutcomes && rateLowerBound() > meanAlpha();
    }

    public String describe() {
        return String.format("violation rate %.3f over the last %d outcomes (99%% lower bound %.3f) against alpha %.3f",
                violationRate(), size, rateLowerBound(), meanAlpha());
    }

    /**
     * Whether a reported outcome is a violation: the query went below the strongest route and the answer
     * failed (success false, or a graded quality under {@code passQuality} when success is not given).
     * Null when the feedback carries no outcome at all.
     */
    public static Boolean isViolation(String route, String strongestRoute, Boolean success, Double quality, double passQuality) {
        Boolean failed = success != null ? Boolean.valueOf(!success) : quality != null ? Boolean.valueOf(quality < passQuality) : null;
        if (failed == null) return null;
        return failed && !strongestRoute.equals(route);
    }
}
