package org.agentrouter.replay;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.learning.SharedPrior;

/**
 * Fits the learner on some subject folds of the public data, for namespaces of other subjects: the shared prior
 * (a logistic regression on those folds), the public conditionals, and the stage thresholds with a margin chosen by
 * nested cross-validation, so that the pooled violation rate holds on every held-out fold and not only on average.
 *
 * <p>Stage thresholds at a target a' are fitted on replays of calibration namespaces (the training folds' subjects,
 * each with a prior trained without its own fold: cross-fitted, so the calibration sees the prior as a new namespace
 * will; {@link LearnerReplay#calibrate}). The margin, by nested cross-validation: for each a' of a grid, each training
 * fold in turn is replayed with thresholds fitted at a' on the other training folds, which gives every training
 * namespace's violations and strong-needed queries as a new namespace would have them. A held-out fold is a handful
 * of namespaces, and one of them can carry most of its strong-needed queries, so the criterion is about such sets,
 * not about the average: sets of {@code subsetSize} of these namespaces are drawn at random and a' is kept when the
 * {@code quantile} of their pooled violation rate is at most alpha over all their queries (with {@code coldMargin},
 * over their first {@code coldQueries} alone as well: tried, it picked less careful pairs on some folds, BENCHMARKS.md).
 * The grid also spans the cheap share (the most of a namespace's queries that may go cheap,
 * {@link LearnerSettings#cheapShare}); of the pairs that hold, the one whose training namespaces saved the most as
 * new namespaces wins, and the final thresholds are fitted with it on all training folds. When none holds, every
 * threshold is 0: nothing goes cheap on evidence that could not keep the promise.
 */
public final class LearnerFit {
    /** Settings of a fit. */
    public record Options(double alpha, double l2, boolean[] priorFeatures, double priorWeight, double probeShare,
                          int probeUntil, long seed, LearnerReplay.Feedback feedback, double[] targets, int rounds,
                          int[] stages, int minNamespaces, int subsetSize, double quantile, int draws,
                          double[] cheapShares, int coldQueries, boolean coldMargin) {}

    /** A fitted learner and how its margin was chosen. */
    public record Result(LearnerSettings settings, double target, Map<String, Object> report) {}

    private final ReplayData data;
    private final int[] foldOfRow;
    private final Options o;
    private final Map<String, SharedPrior> priors = new ConcurrentHashMap<>();

    /** @param foldOfRow each row's subject fold (rows of one subject share it) */
    public LearnerFit(ReplayData data, int[] foldOfRow, Options options) {
        this.data = data;
        this.foldOfRow = foldOfRow;
        this.o = options;
    }

    /** The prior trained on the rows of these folds (cached: the folds' fits are shared between outer folds). */
    public SharedPrior priorOn(Set<Integer> folds) {
        String key = new TreeSet<>(folds).toString();
        return priors.computeIfAbsent(key, k -> {
            int[] rows = rowsOf(folds);
            return PriorFit.fit(data.featuresOf(rows), data.labels(rows), o.l2(), o.priorFeatures());
        });
    }

    public int[] rowsOf(Set<Integer> folds) {
        return IntStream.range(0, foldOfRow.length).filter(i -> folds.contains(foldOfRow[i])).toArray();
    }

    /** The subjects of a fold as new namespaces, each query's prior by {@code prior}. */
    public List<ReplayNamespace> namespaces(int fold, SharedPrior prior) {
        Map<String, List<Integer>> bySubject = new TreeMap<>();
        for (int i = 0; i < foldOfRow.length; i++) {
            if (foldOfRow[i] == fold) bySubject.computeIfAbsent(data.table.subject(i), k -> new ArrayList<>()).add(i);
        }
        List<ReplayNamespace> out = new ArrayList<>();
        bySubject.forEach((s, rows) -> out.add(data.namespace(s, rows.stream().mapToInt(Integer::intValue).toArray(), prior, o.seed())));
        return out;
    }

    /** Fits the learner on {@code train}: prior, conditionals, and the stage thresholds with their nested-CV margin. */
    public Result fit(Set<Integer> train) {
        SharedPrior prior = priorOn(train);
        int[] rows = rowsOf(train);
        // Cross-fitted calibration namespaces: fold h's subjects scored by a prior trained without h.
        Map<Integer, List<ReplayNamespace>> byFold = new TreeMap<>();
        for (int h : train) {
            Set<Integer> others = new TreeSet<>(train);
            others.remove(h);
            byFold.put(h, namespaces(h, priorOn(others)));
        }
        LearnerSettings start = LearnerSettings.single(prior, o.priorWeight(), data.conditional(rows, true),
                data.conditional(rows, false), o.stages(), o.alpha(), new double[o.stages().length], 1.0, o.probeShare(),
                o.probeUntil(), o.seed());
        Map<String, Object> report = new LinkedHashMap<>();
        double chosenTarget = o.targets()[0];
        double chosenShare = o.cheapShares()[0];
        double bestSaved = Double.NEGATIVE_INFINITY;
        List<Map<String, Object>> grid = new ArrayList<>();
        for (double share : o.cheapShares()) {
            LearnerSettings capped = start.withCheapShare(share);
            for (double target : o.targets()) {
                // Every training namespace as a new one: replayed with thresholds fitted without its fold.
                List<int[]> perNamespace = new ArrayList<>();
                List<int[]> perNamespaceCold = new ArrayList<>();
                List<ReplayMetrics.Decision> outOfFold = new ArrayList<>();
                List<Double> perFold = new ArrayList<>();
                for (int h : train) {
                    List<ReplayNamespace> cal = new ArrayList<>();
                    byFold.forEach((g, ns) -> {
                        if (g != h) cal.addAll(ns);
                    });
                    LearnerSettings s = thresholds(cal, capped, target);
                    List<ReplayMetrics.Decision> ds = new ArrayList<>();
                    for (LearnerReplay.Step st : LearnerReplay.run(byFold.get(h), s, o.feedback(), true, data.goodAt)) ds.add(st.decision());
                    perFold.add(round(ReplayMetrics.summarize(ds).violationRate()));
                    perNamespace.addAll(violationsByNamespace(ds));
                    perNamespaceCold.addAll(violationsByNamespace(ds.stream().filter(d -> d.position() < o.coldQueries()).toList()));
                    outOfFold.addAll(ds);
                }
                double q = subsetQuantile(perNamespace, o.subsetSize(), o.quantile(), o.draws(), o.seed());
                double qCold = subsetQuantile(perNamespaceCold, o.subsetSize(), o.quantile(), o.draws(), o.seed());
                ReplayMetrics.Summary sum = ReplayMetrics.summarize(outOfFold);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("cheap_share", share);
                row.put("target", target);
                row.put("inner_fold_violation", perFold);
                row.put("subset_quantile", round(q));
                row.put("cold_subset_quantile", round(qCold));
                row.put("cost_saved", round(sum.costSaved()));
                grid.add(row);
                if (q <= o.alpha() && (!o.coldMargin() || qCold <= o.alpha()) && sum.costSaved() > bestSaved) {
                    bestSaved = sum.costSaved();
                    chosenTarget = target;
                    chosenShare = share;
                }
            }
        }
        List<ReplayNamespace> all = new ArrayList<>();
        byFold.values().forEach(all::addAll);
        boolean admissible = bestSaved > Double.NEGATIVE_INFINITY;
        LearnerSettings fitted = admissible ? thresholds(all, start.withCheapShare(chosenShare), chosenTarget)
                : start.withCheapShare(chosenShare).withThresholds(new double[o.stages().length]);
        report.put("admissible", admissible);
        report.put("train_folds", new TreeSet<>(train));
        report.put("target", chosenTarget);
        report.put("cheap_share", chosenShare);
        report.put("margin", Map.of("subset_size", o.subsetSize(), "quantile", o.quantile(), "draws", o.draws()));
        report.put("grid", grid);
        report.put("stage_cheap_below", fitted.cheapBelow()[0]);
        report.put("calibration_namespaces", all.size());
        return new Result(fitted, chosenTarget, report);
    }

    /** Stage thresholds at {@code target}, starting from the pooled threshold of the prior alone. */
    LearnerSettings thresholds(List<ReplayNamespace> calibration, LearnerSettings start, double target) {
        double lambda0 = LearnerReplay.staticThreshold(calibration, target, data.goodAt);
        double[] t = new double[start.stageStarts().length];
        Arrays.fill(t, lambda0);
        return LearnerReplay.calibrate(calibration, start.withThresholds(t), target, o.feedback(), o.rounds(), o.minNamespaces(), data.goodAt);
    }

    /** Per namespace: {violations, strong-needed queries}. */
    static List<int[]> violationsByNamespace(List<ReplayMetrics.Decision> ds) {
        Map<String, int[]> m = new LinkedHashMap<>();
        for (ReplayMetrics.Decision d : ds) {
            int[] c = m.computeIfAbsent(d.namespace(), k -> new int[2]);
            if (d.needsStrong()) {
                c[1]++;
                if (!d.strong() && !d.probe()) c[0]++;
            }
        }
        return new ArrayList<>(m.values());
    }

    /**
     * The {@code quantile} of the pooled violation rate of {@code size} namespaces drawn without replacement from
     * {@code namespaces} ({violations, strong-needed}), over {@code draws} seeded draws.
     */
    static double subsetQuantile(List<int[]> namespaces, int size, double quantile, int draws, long seed) {
        int k = Math.min(size, namespaces.size());
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed * 31 + namespaces.size());
        double[] rates = new double[draws];
        int[] idx = IntStream.range(0, namespaces.size()).toArray();
        for (int d = 0; d < draws; d++) {
            for (int i = 0; i < k; i++) {
                int j = i + random.nextInt(idx.length - i);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
            long v = 0, n = 0;
            for (int i = 0; i < k; i++) {
                v += namespaces.get(idx[i])[0];
                n += namespaces.get(idx[i])[1];
            }
            rates[d] = n == 0 ? 0 : v / (double) n;
        }
        Arrays.sort(rates);
        return rates[Math.min(draws - 1, (int) Math.ceil(quantile * draws) - 1)];
    }

    private static double round(double v) {
        return Math.round(v * 10000) / 10000.0;
    }

    /** Every feature, or all but the shape signals (the prior of the MiniLM row alone). */
    public static boolean[] features(boolean shape) {
        boolean[] use = new boolean[SharedPrior.WIDTH];
        Arrays.fill(use, true);
        if (!shape) Arrays.fill(use, SharedPrior.EMBEDDING + 3, SharedPrior.WIDTH, false);
        return use;
    }
}
