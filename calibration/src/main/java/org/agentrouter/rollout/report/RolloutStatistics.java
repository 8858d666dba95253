package org.agentrouter.rollout.report;

import org.apache.commons.statistics.distribution.NormalDistribution;
import org.apache.commons.statistics.interval.BinomialConfidenceInterval;
import org.apache.commons.statistics.interval.Interval;

/**
 * The statistics of the rollout report, on Apache Commons Statistics (the normal distribution's quantiles, the Wilson
 * score interval): 95% intervals of a variant's violation rate and cost saved, of the challenger-minus-champion
 * differences, and the power of the violation-rate comparison (two-sided test at 0.05, power 0.8).
 */
public final class RolloutStatistics {
    /** Two-sided error rate of every interval (95% intervals) and of the test the power is computed for. */
    public static final double ERROR_RATE = 0.05;
    public static final double POWER = 0.8;
    private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);
    /** z of the two-sided 95% interval, 1.96. */
    static final double Z_INTERVAL = STANDARD_NORMAL.inverseSurvivalProbability(ERROR_RATE / 2);
    /** z of the power, 0.84. */
    static final double Z_POWER = STANDARD_NORMAL.inverseCumulativeProbability(POWER);

    private RolloutStatistics() {}

    /** A point estimate and its 95% interval; all NaN when there is nothing to estimate from. */
    public record Estimate(double value, double lower, double upper) {
        static final Estimate NONE = new Estimate(Double.NaN, Double.NaN, Double.NaN);

        public boolean known() {
            return !Double.isNaN(value);
        }

        /** The whole interval is above x (false when unknown). */
        public boolean above(double x) {
            return lower > x;
        }

        /** The whole interval is below x (false when unknown). */
        public boolean below(double x) {
            return upper < x;
        }
    }

    /** A proportion x/n with its Wilson score interval. */
    public static Estimate proportion(long x, long n) {
        if (n == 0) return Estimate.NONE;
        Interval i = BinomialConfidenceInterval.WILSON_SCORE.fromErrorRate(toInt(n), toInt(x), ERROR_RATE);
        return new Estimate((double) x / n, i.getLowerBound(), i.getUpperBound());
    }

    /**
     * p1 - p2 of two independent proportions, with Newcombe's hybrid score interval (Newcombe 1998, method 10): it
     * combines the two Wilson intervals, keeps within [-1, 1] and holds its coverage at small counts and rates near 0,
     * where the Wald interval of a difference does not.
     */
    public static Estimate difference(long x1, long n1, long x2, long n2) {
        if (n1 == 0 || n2 == 0) return Estimate.NONE;
        Estimate a = proportion(x1, n1);
        Estimate b = proportion(x2, n2);
        double d = a.value - b.value;
        double lower = d - Math.sqrt(square(a.value - a.lower) + square(b.upper - b.value));
        double upper = d + Math.sqrt(square(a.upper - a.value) + square(b.value - b.lower));
        return new Estimate(d, lower, upper);
    }

    /** A variant's cost saved against all-strong, with the normal interval of its ratio estimator. */
    public static Estimate costSaved(VariantTally t) {
        double se = t.costSavedStandardError();
        if (Double.isNaN(se)) return t.decisions() > 0 ? new Estimate(t.costSaved(), Double.NaN, Double.NaN) : Estimate.NONE;
        return new Estimate(t.costSaved(), t.costSaved() - Z_INTERVAL * se, t.costSaved() + Z_INTERVAL * se);
    }

    /** Cost saved of a minus that of b, as independent samples (for a shadow, which sees the champion's queries, wider than needed). */
    public static Estimate costSavedDifference(VariantTally a, VariantTally b) {
        double sa = a.costSavedStandardError();
        double sb = b.costSavedStandardError();
        if (Double.isNaN(sa) || Double.isNaN(sb)) return Estimate.NONE;
        double d = a.costSaved() - b.costSaved();
        double se = Math.sqrt(sa * sa + sb * sb);
        return new Estimate(d, d - Z_INTERVAL * se, d + Z_INTERVAL * se);
    }

    /**
     * The smallest increase of the violation rate over {@code baseline} that a two-sided test at 0.05 detects with
     * power 0.8 at these counts: on the arcsine scale (Cohen's h, whose variance 1/n does not depend on the rate, so
     * it holds at a baseline of 0 too), h = (z_0.975 + z_0.8) sqrt(1/n1 + 1/n2), back to a rate. Infinite when an arm
     * has no outcome; 1 - baseline when not even a rate of 1 would be detected.
     */
    public static double minimumDetectableIncrease(double baseline, long n1, long n2) {
        if (n1 == 0 || n2 == 0) return Double.POSITIVE_INFINITY;
        double h = (Z_INTERVAL + Z_POWER) * Math.sqrt(1.0 / n1 + 1.0 / n2);
        double angle = Math.asin(Math.sqrt(baseline)) + h / 2;
        return angle >= Math.PI / 2 ? 1 - baseline : square(Math.sin(angle)) - baseline;
    }

    /**
     * Outcomes each arm needs in total so that an increase of {@code effect} over {@code baseline} is detected (two-sided
     * 0.05, power 0.8), keeping the arms' current ratio (champion outcomes per challenger outcome; 1 when either has
     * none): n_challenger = (z_0.975 + z_0.8)^2 (1 + 1/k) / h^2, n_champion = k n_challenger, h = 2 asin sqrt(baseline
     * + effect) - 2 asin sqrt(baseline). Returns {champion, challenger}.
     */
    public static long[] outcomesNeeded(double baseline, double effect, long championOutcomes, long challengerOutcomes) {
        if (!(effect > 0) || baseline + effect > 1) throw new IllegalArgumentException("effect must be in (0, 1 - baseline]: " + effect);
        double k = championOutcomes > 0 && challengerOutcomes > 0 ? (double) championOutcomes / challengerOutcomes : 1;
        double h = 2 * Math.asin(Math.sqrt(baseline + effect)) - 2 * Math.asin(Math.sqrt(baseline));
        double challenger = square(Z_INTERVAL + Z_POWER) * (1 + 1 / k) / (h * h);
        return new long[] {(long) Math.ceil(k * challenger), (long) Math.ceil(challenger)};
    }

    private static int toInt(long n) {
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("more than " + Integer.MAX_VALUE + " outcomes");
        return (int) n;
    }

    private static double square(double x) {
        return x * x;
    }
}
