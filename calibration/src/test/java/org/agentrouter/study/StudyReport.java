package org.agentrouter.study;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import org.agentrouter.eval.RoutingCurve;
/**
 * Routing results per configuration, router and fold, rendered as markdown: mean +- std of the per-fold
 * curves, and one pooled curve over every fold's test rows.
 *
 * <p>The pooled curve matters for the unseen-subject protocol: a fold there holds only 6 to 10
 * subjects, so the per-fold APGR cannot reward telling those few subjects apart from the other 40,
 * while RouteLLM scores one curve over the whole benchmark. Pooling concatenates the out-of-fold scores
 * (every router here outputs an estimate of the gain, on one scale across folds) and scores them once.
 */
final class StudyReport {
    private static final class Result {
        final List<RoutingCurve> folds = new ArrayList<>();
        final List<double[]> scores = new ArrayList<>();
        final List<double[]> weak = new ArrayList<>();
        final List<double[]> strong = new ArrayList<>();
    }

    private final Map<String, Map<String, Result>> results = new LinkedHashMap<>();
    private final Map<String, String> notes = new LinkedHashMap<>();

    void add(String configuration, String router, double[] scores, double[] weak, double[] strong) {
        Result r = results.computeIfAbsent(configuration, c -> new LinkedHashMap<>())
                .computeIfAbsent(router, k -> new Result());
        r.folds.add(RoutingCurve.evaluate(scores, weak, strong));
        r.scores.add(scores);
        r.weak.add(weak);
        r.strong.add(strong);
    }

    void note(String configuration, String text) {
        notes.merge(configuration, text, (a, b) -> a + "\n" + b);
    }

    String markdown() {
        StringBuilder out = new StringBuilder();
        for (var config : results.entrySet()) {
            out.append("\n### ").append(config.getKey()).append("\n\n");
            if (notes.containsKey(config.getKey())) {
                out.append(notes.get(config.getKey())).append("\n\n");
            }
            Result any = config.getValue().values().iterator().next();
            out.append("Folds (n / accWeak / accStrong / random APGR mean+-std of one draw): ");
            for (RoutingCurve c : any.folds) {
                out.append(String.format(Locale.ROOT, "[%d / %.3f / %.3f / %.3f+-%.3f] ",
                        c.n(), c.accWeak(), c.accStrong(), c.randomApgr(), c.randomApgrStd()));
            }
            RoutingCurve pooledAny = pooled(any);
            out.append(String.format(Locale.ROOT, "%nPooled: n %d, random APGR %.3f+-%.3f.%n",
                    pooledAny.n(), pooledAny.randomApgr(), pooledAny.randomApgrStd()));
            out.append("\n| router | APGR | CPT(50%) | CPT(80%) | pooled APGR | pooled CPT(50%) | pooled CPT(80%) | APGR per fold |\n")
                    .append("|---|---|---|---|---|---|---|---|\n");
            for (var router : config.getValue().entrySet()) {
                Result r = router.getValue();
                RoutingCurve pooled = pooled(r);
                out.append("| ").append(router.getKey())
                        .append(" | ").append(meanStd(r.folds, RoutingCurve::apgr, 1, 3))
                        .append(" | ").append(meanStd(r.folds, RoutingCurve::cpt50, 100, 1)).append('%')
                        .append(" | ").append(meanStd(r.folds, RoutingCurve::cpt80, 100, 1)).append('%')
                        .append(String.format(Locale.ROOT, " | %.3f | %.1f%% | %.1f%% | ",
                                pooled.apgr(), 100 * pooled.cpt50(), 100 * pooled.cpt80()));
                for (RoutingCurve c : r.folds) {
                    out.append(String.format(Locale.ROOT, "%.2f ", c.apgr()));
                }
                out.append("|\n");
            }
        }
        return out.toString();
    }

    private static RoutingCurve pooled(Result r) {
        return RoutingCurve.evaluate(concat(r.scores), concat(r.weak), concat(r.strong), 20, 0L);
    }

    private static double[] concat(List<double[]> parts) {
        return parts.stream().flatMapToDouble(Arrays::stream).toArray();
    }

    private static String meanStd(List<RoutingCurve> folds, ToDoubleFunction<RoutingCurve> metric,
            double scale, int decimals) {
        double[] v = folds.stream().mapToDouble(metric).map(x -> x * scale).toArray();
        double mean = Arrays.stream(v).average().orElse(Double.NaN);
        double ss = 0;
        for (double x : v) {
            ss += (x - mean) * (x - mean);
        }
        double std = v.length > 1 ? Math.sqrt(ss / (v.length - 1)) : 0;
        String format = "%." + decimals + "f +- %." + decimals + "f";
        return String.format(Locale.ROOT, format, mean, std);
    }
}
