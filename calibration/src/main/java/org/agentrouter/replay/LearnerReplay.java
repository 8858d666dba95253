package org.agentrouter.replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.learning.NamespaceLearner;
import org.agentrouter.learning.NamespaceOutcomes;

/**
 * Replays namespaces through the job's learner ({@link NamespaceLearner}) query by query, as an agent would: the
 * router decides, the agent calls the chosen model (and the other one when the decision asks for a probe), and
 * only those outcomes come back before the next query of the namespace. The router never sees an outcome before
 * it decided that query. Namespaces are independent (their own state), so they are replayed one after the other.
 */
public final class LearnerReplay {
    private LearnerReplay() {}

    public enum Feedback { CHOSEN, BOTH }

    /** One replayed decision with what the stage calibration needs: its stage, and whether it may go cheap at all. */
    public record Step(ReplayMetrics.Decision decision, int stage, boolean mayGoCheap) {}

    /**
     * @param learning false: the prior with the stage-0 threshold for every query and no probes (learning off)
     */
    public static List<Step> run(List<ReplayNamespace> namespaces, LearnerSettings settings, Feedback feedback,
                                 boolean learning, double goodAt) {
        List<Step> out = new ArrayList<>();
        for (ReplayNamespace ns : namespaces) {
            NamespaceOutcomes state = new NamespaceOutcomes();
            for (int pos = 0; pos < ns.size(); pos++) {
                NamespaceLearner.Decision d = NamespaceLearner.decide(settings, 0, ns.prior()[pos], learning ? state : null,
                        ns.queryIds()[pos]);
                boolean probe = d.probe();
                boolean strong = d.strong();
                double w = ns.weak()[pos];
                double s = ns.strong()[pos];
                boolean both = probe || feedback == Feedback.BOTH;
                // An agent reports pass or fail: the outcome at or above goodAt (the learner counts 1 as good, 0 as not).
                double seenWeak = !strong || both ? (w >= goodAt ? 1 : 0) : Double.NaN;
                double seenStrong = strong || both ? (s >= goodAt ? 1 : 0) : Double.NaN;
                if (learning) state.add(strong, seenWeak, seenStrong, probe);
                out.add(new Step(ReplayMetrics.Decision.of(ns, pos, strong, probe, d.pStrong(), goodAt), d.stage(),
                        NamespaceLearner.mayGoCheap(settings, ns.queryIds()[pos])));
            }
        }
        return out;
    }

    /**
     * Stage thresholds from replays of calibration namespaces (never the evaluated ones): per stage, the largest
     * threshold whose pooled violation rate over the calibration replays' decisions in that stage is at most
     * {@code targetAlpha}. The decisions of a stage depend on the thresholds before it (what was routed where
     * decides what was seen), so the fit is repeated {@code rounds} times, starting from the prior's threshold. A
     * stage that fewer than {@code minNamespaces} calibration namespaces reach keeps the threshold of the stage
     * before it: a threshold fitted on two or three namespaces says more about them than about a new one.
     */
    public static LearnerSettings calibrate(List<ReplayNamespace> calibration, LearnerSettings start, double targetAlpha,
                                            Feedback feedback, int rounds, int minNamespaces, double goodAt) {
        LearnerSettings s = start;
        for (int r = 0; r < rounds; r++) {
            List<Step> steps = run(calibration, s, feedback, true, goodAt);
            Map<Integer, List<Step>> byStage = new HashMap<>();
            for (Step st : steps) byStage.computeIfAbsent(st.stage(), k -> new ArrayList<>()).add(st);
            double[] t = s.cheapBelow()[0].clone();
            for (int stage = 0; stage < t.length; stage++) {
                List<Step> ds = byStage.get(stage);
                long reached = ds == null ? 0 : ds.stream().map(x -> x.decision().namespace()).distinct().count();
                if (reached < Math.max(1, minNamespaces)) {
                    t[stage] = stage == 0 ? 0 : t[stage - 1];  // too few namespaces got that far: keep the last stage's
                    continue;
                }
                // Only the queries that may go cheap can: the threshold spends the stage's allowance on them.
                List<ReplayMetrics.Decision> cheapable = new ArrayList<>();
                int needs = 0;
                for (Step x : ds) {
                    if (x.decision().needsStrong()) needs++;
                    if (x.mayGoCheap()) cheapable.add(x.decision());
                }
                t[stage] = Math.min(1.0, pooledThreshold(cheapable, targetAlpha * needs));
            }
            s = s.withThresholds(t);
        }
        return s;
    }

    /** The static router's threshold on the prior: pooled over every calibration query. */
    public static double staticThreshold(List<ReplayNamespace> calibration, double targetAlpha, double goodAt) {
        List<ReplayMetrics.Decision> ds = new ArrayList<>();
        for (ReplayNamespace ns : calibration) {
            for (int i = 0; i < ns.size(); i++) {
                boolean needs = ns.strong()[i] >= goodAt && ns.weak()[i] < goodAt;
                ds.add(new ReplayMetrics.Decision(ns.name(), i, ns.rows()[i], true, false, ns.prior()[i], 0, 0, 0, 0, needs));
            }
        }
        return Math.min(1.0, pooledThreshold(ds, targetAlpha * ds.stream().filter(ReplayMetrics.Decision::needsStrong).count()));
    }

    /**
     * The largest lambda such that the queries with p_strong below it hold at most {@code allowed} strong-needed
     * queries (0: never cheap).
     */
    static double pooledThreshold(List<ReplayMetrics.Decision> ds, double allowed) {
        double[] p = new double[ds.size()];
        boolean[] needs = new boolean[ds.size()];
        int total = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = ds.get(i).pStrong();
            needs[i] = ds.get(i).needsStrong();
            if (needs[i]) total++;
        }
        if (p.length == 0) return 0.0;
        if (total == 0) return 1.0;
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Double.compare(p[a], p[b]));
        int below = 0;
        int i = 0;
        while (i < order.length) {
            // Every query with this p goes cheap together once lambda passes it.
            double v = p[order[i]];
            int j = i;
            int added = 0;
            while (j < order.length && p[order[j]] == v) {
                if (needs[order[j]]) added++;
                j++;
            }
            if (below + added > allowed) return v;
            below += added;
            i = j;
        }
        return Math.nextUp(p[order[order.length - 1]]);
    }
}
