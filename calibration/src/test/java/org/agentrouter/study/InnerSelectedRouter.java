package org.agentrouter.study;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

import org.agentrouter.eval.RoutingCurve;
/**
 * Picks features by their APGR on the training rows' out-of-fold values (never the test rows) and
 * scores test rows with the best one, or with the mean of the best {@code top} after mapping each to
 * its quantile among the training rows (so features on different scales weigh alike, as they could in
 * production where only the memory's distribution is known).
 *
 * <p>This is the honest version of "take whichever baseline looked best": the choice is made inside
 * the fold, so its cost in selection noise shows up in the test score.
 */
final class InnerSelectedRouter implements FoldRouter {
    private final int top;

    InnerSelectedRouter(int top) {
        this.top = top;
    }

    @Override
    public String name() {
        return top == 1 ? "best single feature by inner APGR" : "quantile mean of top " + top + " features by inner APGR";
    }

    private record Candidate(int column, double sign, double apgr) {}

    @Override
    public double[] score(FoldContext ctx) {
        FeatureTable table = ctx.features();
        int[] train = ctx.split.train();
        double[] weak = Arrays.stream(train).mapToDouble(r -> ctx.data.weak[r]).toArray();
        double[] strong = Arrays.stream(train).mapToDouble(r -> ctx.data.strong[r]).toArray();
        List<Candidate> candidates = new ArrayList<>();
        for (int c = 0; c < table.names.size(); c++) {
            final int column = c;
            double[] values = Arrays.stream(train).mapToDouble(r -> table.value(r, column)).toArray();
            double apgr = RoutingCurve.evaluate(values, weak, strong, 0, 0).apgr();
            double reversed = RoutingCurve.evaluate(Arrays.stream(values).map(v -> -v).toArray(), weak, strong, 0, 0).apgr();
            candidates.add(apgr >= reversed ? new Candidate(c, 1, apgr) : new Candidate(c, -1, reversed));
        }
        candidates.sort(Comparator.comparingDouble(Candidate::apgr).reversed());
        List<Candidate> chosen = candidates.subList(0, top);
        ctx.note(name() + ": " + chosen.stream()
                .map(k -> (k.sign() < 0 ? "-" : "") + table.names.get(k.column()) + String.format(Locale.ROOT, " %.3f", k.apgr()))
                .reduce((a, b) -> a + ", " + b).orElse(""));
        int[] test = ctx.split.test();
        double[] scores = new double[test.length];
        for (Candidate k : chosen) {
            double[] reference = Arrays.stream(train).mapToDouble(r -> k.sign() * table.value(r, k.column())).sorted().toArray();
            for (int i = 0; i < test.length; i++) {
                scores[i] += quantile(reference, k.sign() * table.value(test[i], k.column())) / top;
            }
        }
        return scores;
    }

    /** Share of reference values below v (ties count half), in [0, 1]. */
    private static double quantile(double[] sortedReference, double v) {
        int below = lowerBound(sortedReference, v);
        int upTo = lowerBound(sortedReference, Math.nextUp(v));
        return (below + (upTo - below) / 2.0) / sortedReference.length;
    }

    private static int lowerBound(double[] sorted, double key) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < key) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
