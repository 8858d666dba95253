package org.agentrouter.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The RouteLLM cost-quality evaluation of a router (arXiv 2406.18665, section 3.2; code:
 * {@code routellm/evals/benchmarks.py} and {@code evaluate.py}), as an immutable result.
 *
 * <p>A router gives each prompt a score, higher meaning "send to the strong model". Thresholds are the
 * 11 quantiles of the scores at 0%, 10%, ..., 100% (linear interpolation between order statistics, as
 * numpy/pandas {@code qcut} compute them). At threshold {@code i < 10} the prompts with
 * {@code score >= threshold} go to the strong model; at the last one (the maximum) those with
 * {@code score > threshold}, i.e. none. So the sweep runs from 100% to 0% strong calls. A point's
 * accuracy is the mean of the strong outcome over the prompts sent to the strong model and the weak
 * outcome over the rest; its x coordinate is the share of strong calls actually made.
 *
 * <p><b>Ties</b> are handled as RouteLLM does: every prompt whose score equals a threshold goes to the
 * strong model ({@code >=}), so with tied scores the realised share can exceed the nominal decile and
 * several thresholds can give the same point; the curve uses the realised shares, and the trapezoid
 * between two distinct points is the expected value of routing the tied block at random. (pandas
 * {@code qcut} itself refuses duplicate bin edges; we keep them instead of failing.)
 *
 * <ul>
 *   <li>PGR(point) = (acc - accWeak) / (accStrong - accWeak), where accWeak/accStrong are the means of
 *       the weak/strong outcomes over all prompts (so PGR = 0 at 0% and 1 at 100% strong calls).</li>
 *   <li>APGR = trapezoid area under PGR against the strong share (equal to RouteLLM's
 *       (AUC - weakAUC) / (strongAUC - weakAUC), since the shares always span [0, 1]).</li>
 *   <li>CPT(x) = the smallest strong share at which the piecewise-linear PGR curve reaches x (first
 *       crossing, scanning from 0% strong calls up). RouteLLM uses {@code np.interp} of the accuracy,
 *       which agrees for a monotone curve and is ill-defined otherwise.</li>
 * </ul>
 *
 * <p><b>Random baseline</b>: the mean APGR over {@code randomDraws} routers whose scores are seeded
 * uniform random numbers, each evaluated with the same sweep (not the analytic expectation, which is
 * exactly 0.5 at decile shares); the standard deviation of those draws is kept too, because it tells how
 * large a difference from 0.5 a router needs on this set of prompts before it means anything.
 *
 * <p>PGR, APGR and CPT are NaN when accStrong == accWeak.
 */
public final class RoutingCurve {

    /** Number of thresholds in the sweep: deciles 0%, 10%, ..., 100%. */
    public static final int POINTS = 11;
    public static final int DEFAULT_RANDOM_DRAWS = 100;
    public static final long DEFAULT_RANDOM_SEED = 0L;

    /** One threshold of the sweep; {@code strongShare} in [0, 1], {@code accuracy} in outcome units. */
    public record Point(double threshold, double strongShare, double accuracy, double pgr) {}

    private final int n;
    private final double accWeak;
    private final double accStrong;
    private final List<Point> points;
    private final double apgr;
    private final double cpt50;
    private final double cpt80;
    private final double randomApgr;
    private final double randomApgrStd;

    private RoutingCurve(int n, double accWeak, double accStrong, List<Point> points, double apgr,
            double randomApgr, double randomApgrStd) {
        this.n = n;
        this.accWeak = accWeak;
        this.accStrong = accStrong;
        this.points = points;
        this.apgr = apgr;
        this.randomApgr = randomApgr;
        this.randomApgrStd = randomApgrStd;
        this.cpt50 = cpt(0.5);
        this.cpt80 = cpt(0.8);
    }

    /** Evaluates with the default random baseline ({@value #DEFAULT_RANDOM_DRAWS} draws, seed 0). */
    public static RoutingCurve evaluate(double[] scores, double[] weak, double[] strong) {
        return evaluate(scores, weak, strong, DEFAULT_RANDOM_DRAWS, DEFAULT_RANDOM_SEED);
    }

    /**
     * @param scores router scores, higher = strong model; finite
     * @param weak weak model outcome per prompt (1/0 correctness, or any graded score)
     * @param strong strong model outcome per prompt
     * @param randomDraws random routers averaged for {@link #randomApgr()}; 0 skips it (NaN)
     */
    public static RoutingCurve evaluate(double[] scores, double[] weak, double[] strong, int randomDraws, long seed) {
        int n = scores.length;
        if (n == 0 || weak.length != n || strong.length != n) {
            throw new IllegalArgumentException("need equally long, non-empty arrays: scores " + n
                    + ", weak " + weak.length + ", strong " + strong.length);
        }
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(scores[i]) || !Double.isFinite(weak[i]) || !Double.isFinite(strong[i])) {
                throw new IllegalArgumentException("non-finite score or outcome at index " + i);
            }
        }
        double accWeak = mean(weak);
        double accStrong = mean(strong);
        List<Point> points = sweep(scores, weak, strong, accWeak, accStrong);

        double randomApgr = Double.NaN;
        double randomStd = Double.NaN;
        if (randomDraws > 0) {
            SplittableRandom random = new SplittableRandom(seed);
            double[] apgrs = new double[randomDraws];
            double[] randomScores = new double[n];
            for (int d = 0; d < randomDraws; d++) {
                for (int i = 0; i < n; i++) {
                    randomScores[i] = random.nextDouble();
                }
                apgrs[d] = area(sweep(randomScores, weak, strong, accWeak, accStrong));
            }
            randomApgr = mean(apgrs);
            randomStd = std(apgrs, randomApgr);
        }
        return new RoutingCurve(n, accWeak, accStrong, points, area(points), randomApgr, randomStd);
    }

    private static List<Point> sweep(double[] scores, double[] weak, double[] strong, double accWeak, double accStrong) {
        int n = scores.length;
        Integer[] boxed = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(boxed, Comparator.comparingDouble(i -> scores[i]));
        double[] sorted = new double[n];
        // weakBelow[k]: weak outcomes of the k lowest-scored prompts; strongFrom[k]: strong outcomes of the rest
        double[] weakBelow = new double[n + 1];
        double[] strongFrom = new double[n + 1];
        for (int k = 0; k < n; k++) {
            sorted[k] = scores[boxed[k]];
            weakBelow[k + 1] = weakBelow[k] + weak[boxed[k]];
        }
        for (int k = n - 1; k >= 0; k--) {
            strongFrom[k] = strongFrom[k + 1] + strong[boxed[k]];
        }
        double gap = accStrong - accWeak;
        List<Point> points = new ArrayList<>(POINTS);
        for (int i = 0; i < POINTS; i++) {
            double threshold = quantile(sorted, (double) i / (POINTS - 1));
            boolean last = i == POINTS - 1;
            // first index sent to the strong model: >= threshold, except > max at the last point
            int first = last ? upperBound(sorted, threshold) : lowerBound(sorted, threshold);
            double accuracy = (weakBelow[first] + strongFrom[first]) / n;
            double share = (double) (n - first) / n;
            points.add(new Point(threshold, share, accuracy, (accuracy - accWeak) / gap));
        }
        return List.copyOf(points);
    }

    /** numpy's default (linear) quantile of ascending values. */
    static double quantile(double[] ascending, double q) {
        double position = q * (ascending.length - 1);
        int below = (int) Math.floor(position);
        if (below >= ascending.length - 1) {
            return ascending[ascending.length - 1];
        }
        double fraction = position - below;
        return ascending[below] + fraction * (ascending[below + 1] - ascending[below]);
    }

    /** First index whose value is >= key. */
    private static int lowerBound(double[] ascending, double key) {
        int lo = 0;
        int hi = ascending.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** First index whose value is > key. */
    private static int upperBound(double[] ascending, double key) {
        int lo = 0;
        int hi = ascending.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ascending[mid] <= key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Trapezoid area of PGR over the strong share; the sweep's shares never increase. */
    private static double area(List<Point> points) {
        double sum = 0;
        for (int i = 0; i + 1 < points.size(); i++) {
            Point a = points.get(i);
            Point b = points.get(i + 1);
            sum += (a.strongShare() - b.strongShare()) * (a.pgr() + b.pgr()) / 2;
        }
        return sum;
    }

    /**
     * The smallest strong share at which PGR reaches {@code targetPgr}, interpolating linearly between
     * points; NaN when the curve never reaches it.
     */
    public double cpt(double targetPgr) {
        // Walk from 0% strong calls upwards: the sweep lists points from 100% down to 0%.
        Point previous = null;
        for (int i = points.size() - 1; i >= 0; i--) {
            Point p = points.get(i);
            if (p.pgr() >= targetPgr) {
                if (previous == null || p.strongShare() == previous.strongShare()) {
                    return p.strongShare();
                }
                double t = (targetPgr - previous.pgr()) / (p.pgr() - previous.pgr());
                return previous.strongShare() + t * (p.strongShare() - previous.strongShare());
            }
            previous = p;
        }
        return Double.NaN;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    private static double std(double[] values, double mean) {
        if (values.length < 2) {
            return 0.0;
        }
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / (values.length - 1));
    }

    public int n() {
        return n;
    }

    /** Mean weak outcome over all prompts (the 0% point's accuracy). */
    public double accWeak() {
        return accWeak;
    }

    /** Mean strong outcome over all prompts (the 100% point's accuracy). */
    public double accStrong() {
        return accStrong;
    }

    public double apgr() {
        return apgr;
    }

    /** Strong share needed for PGR 50%, in [0, 1]. */
    public double cpt50() {
        return cpt50;
    }

    /** Strong share needed for PGR 80%, in [0, 1]. */
    public double cpt80() {
        return cpt80;
    }

    /** Mean APGR of seeded random routers on the same prompts (about 0.5). */
    public double randomApgr() {
        return randomApgr;
    }

    /** Standard deviation of a single random router's APGR on these prompts. */
    public double randomApgrStd() {
        return randomApgrStd;
    }

    /** The {@value #POINTS} points in sweep order: from 100% strong calls to 0%. */
    public List<Point> points() {
        return points;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "RoutingCurve{n=%d, accWeak=%.4f, accStrong=%.4f, apgr=%.4f, cpt50=%.4f, cpt80=%.4f, randomApgr=%.4f}",
                n, accWeak, accStrong, apgr, cpt50, cpt80, randomApgr);
    }
}
