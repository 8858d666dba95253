package org.agentrouter.flink;

import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.learning.NamespaceLearner;
import org.agentrouter.learning.NamespaceOutcomes;
import org.agentrouter.learning.SharedPrior;
import org.agentrouter.query.LearnedRoute;
import org.agentrouter.query.QueryContext;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The per-namespace learner inside the keyed retrieval operator (issue 21): each namespace's
 * {@link NamespaceOutcomes} in keyed state (checkpointed; rescaled with the namespace's key group), updated once per
 * query id from routing-feedback, and {@link NamespaceLearner#decide} of every query with the learner settings the job
 * was given. It lives beside the memories because that operator is already the one place where a namespace's queries
 * and its feedback meet in order: no extra shuffle of the query, and an outcome applied there is seen by the
 * namespace's next query.
 *
 * <p>The state descriptor's name and {@link NamespaceOutcomes}' class are in every savepoint taken with learning on:
 * they stay. A savepoint from before the learner restores with the state empty (every namespace starts at stage 0).
 */
final class NamespaceLearning {
    static final String STATE = "namespace-outcomes";

    private final LearnerSettings settings;
    private final double defaultAlpha;
    private final double[] priorFeatures = new double[SharedPrior.WIDTH];
    private final ValueState<NamespaceOutcomes> outcomes;
    private final Metrics metrics;

    /**
     * The learner's counters (group {@code learner}). Registered with learning off too, where they stay 0, so that
     * dashboards and alerts find the series whatever the job's mode.
     */
    static final class Metrics {
        final Counter decisions;
        final Counter cheap;
        final Counter probesAsked;
        final Counter outcomesLearned;
        final Counter probesAnswered;
        /** Namespaces whose first outcome this subtask applied since it started (restored ones are not recounted). */
        final Counter namespacesLearning;

        Metrics(MetricGroup router) {
            MetricGroup m = router.addGroup("learner");
            decisions = m.counter("decisions");
            cheap = m.counter("cheapDecisions");
            probesAsked = m.counter("probesAsked");
            outcomesLearned = m.counter("outcomes");
            probesAnswered = m.counter("probesAnswered");
            namespacesLearning = m.counter("namespacesLearning");
        }
    }

    NamespaceLearning(LearnerSettings settings, double defaultAlpha, RuntimeContext runtime, Metrics metrics) {
        this.settings = settings;
        this.defaultAlpha = defaultAlpha;
        this.outcomes = runtime.getState(new ValueStateDescriptor<>(STATE, TypeInformation.of(NamespaceOutcomes.class)));
        this.metrics = metrics;
    }

    /** Decides the query (keyed context: its namespace) from the shared prior and the namespace's outcomes so far. */
    void decide(QueryContext q) throws Exception {
        double wanted = Double.isNaN(q.alpha) ? defaultAlpha : q.alpha;
        int a = settings.alphaIndex(wanted);
        NamespaceOutcomes state = outcomes.value();
        if (state == null) state = new NamespaceOutcomes();
        LearnedRoute r = new LearnedRoute();
        r.prior = settings.prior().pStrong(q.queryFeatures, q.text, priorFeatures);
        NamespaceLearner.Decision d = NamespaceLearner.decide(settings, a, r.prior, state, q.queryId);
        r.pStrong = d.pStrong();
        r.strong = d.strong();
        r.probe = d.probe();
        r.stage = d.stage();
        r.cheapBelow = d.cheapBelow();
        r.alpha = a < 0 ? Double.NaN : settings.alphas()[a];
        r.outcomes = state.outcomes;
        q.learned = r;
        metrics.decisions.inc();
        if (!r.strong) metrics.cheap.inc();
        if (r.probe) metrics.probesAsked.inc();
    }

    /**
     * Adds one reported outcome (keyed context: its namespace); the caller applies each query id once.
     *
     * @param strongRoute the decision went to the strongest route
     * @param outcome the answering model's outcome (1 good, 0 not, or a quality)
     * @param probeOutcome the other model's outcome when the agent answered a probe, else NaN
     */
    void learn(boolean strongRoute, float outcome, float probeOutcome) throws Exception {
        NamespaceOutcomes state = outcomes.value();
        if (state == null) {
            state = new NamespaceOutcomes();
            metrics.namespacesLearning.inc();
        }
        boolean probed = !Float.isNaN(probeOutcome);
        double weak = strongRoute ? probeOutcome : outcome;
        double strong = strongRoute ? outcome : probeOutcome;
        state.add(strongRoute, weak, strong, probed);
        outcomes.update(state);
        metrics.outcomesLearned.inc();
        if (probed) metrics.probesAnswered.inc();
    }
}
