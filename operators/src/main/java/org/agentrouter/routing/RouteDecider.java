package org.agentrouter.routing;

import org.agentrouter.query.QueryContext;
import org.agentrouter.query.LearnedRoute;
import org.agentrouter.query.Score;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.agentrouter.embedding.TokenCounter;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.learning.NamespaceLearner;
import org.agentrouter.learning.SharedPrior;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;

/**
 * The routing stage without Flink: from a scored {@link QueryContext} to its {@link RoutingDecision}.
 * The conformal decision with the calibration of the release that scored, or, when the scorer could
 * not answer, the fallback ladder; then the top context ids and the cost. The Flink operator adds
 * metrics and outputs around it; the microbenchmarks call it directly, so they measure the same code.
 *
 * <p>A query without candidates (a namespace with no memories yet, or retrieval down) has no evidence the release's
 * calibration knows: its p_strong is the model's answer to an empty candidate set, and the calibration was fitted on
 * queries that had candidates. Such a query is routed cold: by the learner's {@link SharedPrior} (the query alone)
 * against the stage-0 threshold its settings calibrated on replays of namespaces the router never saw, and strong when
 * no settings are given or none is calibrated as strictly as the query asks. No query goes cheap for lack of evidence.
 * One per task slot: not thread-safe (it reuses its buffers and owns a tokenizer).
 */
public final class RouteDecider implements AutoCloseable {
    private final PricingTable pricing;
    private final double defaultAlpha;
    private final int defaultRoute;
    private final LongSupplier nowMicros;
    private final TokenCounter tokens = new TokenCounter();
    private final RecentDecisions recent = RecentDecisions.defaults();
    private final ConformalRule.Decision decision = new ConformalRule.Decision();
    private final double[] labelProbs;
    private final double[][] thresholds;
    private final LearnerSettings coldStart;
    private final double[] priorFeatures = new double[SharedPrior.WIDTH];

    /** Without cold-start settings: a query without candidates goes to the strongest route. */
    public RouteDecider(PricingTable pricing, double defaultAlpha, int defaultRoute, LongSupplier nowMicros) {
        this(pricing, defaultAlpha, defaultRoute, nowMicros, null);
    }

    /**
     * @param nowMicros wall clock in microseconds, the same clock that stamped {@link QueryContext#ingestMicros}
     * @param coldStart how a query without candidates is routed (the shared prior and its stage-0 thresholds); null:
     *                  strong
     */
    public RouteDecider(PricingTable pricing, double defaultAlpha, int defaultRoute, LongSupplier nowMicros,
                        LearnerSettings coldStart) {
        this.pricing = pricing;
        this.defaultAlpha = defaultAlpha;
        this.defaultRoute = defaultRoute;
        this.nowMicros = nowMicros;
        this.labelProbs = new double[pricing.size()];
        this.thresholds = new double[pricing.size()][];
        this.coldStart = coldStart;
    }

    public PricingTable pricing() {
        return pricing;
    }

    /** Input tokens of a query text, as costs are computed (for a shadow decision's cost). */
    public int inputTokens(String text) {
        return tokens.count(text);
    }

    public RoutingDecision decide(QueryContext q) {
        FallbackLevel level = FallbackLevel.NONE;
        String reason = q.retrievalNote;
        int route;
        List<String> set = new ArrayList<>(pricing.size());
        double confidence;
        double alphaApplied = Double.isNaN(q.alpha) ? defaultAlpha : q.alpha;
        boolean isUncertain;
        double pStrong = q.score.pStrong;
        boolean probe = false;
        if (q.learned != null) {
            // Learning on: the namespace's learner decides every query (see RouterConfig#learning for why it replaces
            // the release's conformal step rather than joining it); the release's p_strong stays in the note.
            LearnedRoute l = q.learned;
            route = l.strong ? pricing.strongest() : 0;
            pStrong = l.pStrong;
            probe = l.probe;
            if (!Double.isNaN(l.alpha)) alphaApplied = l.alpha;
            set.add(pricing.tier(route).route);
            confidence = route == 0 ? 1.0 - pStrong : pStrong;
            // The learner's promise is pooled over namespaces, not per query: never reused by the fallback ladder.
            isUncertain = true;
            reason = join(reason, Double.isNaN(l.cheapBelow)
                    ? "learner: alpha " + alphaApplied + " is stricter than any calibrated alpha; sent to the strongest route"
                    : String.format(java.util.Locale.ROOT, "learner: stage %d (%d outcomes), p_strong %.3f (prior %.3f), cheap below %.3f%s",
                            l.stage, l.outcomes, l.pStrong, l.prior, l.cheapBelow, l.probe ? ", probe" : ""));
            if (q.score.failure != null) {
                reason = join(reason, "release unavailable (" + q.score.failure + ")");
            } else if (!Double.isNaN(q.score.pStrong)) {
                reason = join(reason, String.format(java.util.Locale.ROOT, "release p_strong %.3f", q.score.pStrong));
            }
        } else if (q.score.failure == null && q.candidateCount == 0) {
            double wanted = Double.isNaN(q.alpha) ? defaultAlpha : q.alpha;
            route = pricing.strongest();
            if (coldStart == null) {
                reason = join(reason, "cold start: no calibrated prior; sent to the strongest route");
            } else {
                int a = coldStart.alphaIndex(wanted);
                pStrong = coldStart.prior().pStrong(q.queryFeatures, q.text, priorFeatures);
                NamespaceLearner.Decision c = NamespaceLearner.decide(coldStart, a, pStrong, null, q.queryId);
                if (a < 0) {
                    reason = join(reason, "cold start: alpha " + wanted + " is stricter than any calibrated alpha of the"
                            + " shared prior; sent to the strongest route");
                } else {
                    alphaApplied = coldStart.alphas()[a];
                    if (!c.strong()) route = 0;
                    reason = join(reason, String.format(java.util.Locale.ROOT,
                            "cold start: shared prior p_strong %.3f, cheap below %.3f", pStrong, c.cheapBelow()));
                }
            }
            set.add(pricing.tier(route).route);
            confidence = route == 0 ? 1.0 - pStrong : pStrong;
            // Decided without the namespace's evidence: never reused by the fallback ladder as a confident decision.
            isUncertain = true;
        } else if (q.score.failure == null) {
            ConformalRule.Decision c = decideConformally(q.score, q.alpha);
            route = c.route;
            for (int k = 0; k < pricing.size(); k++) {
                if (c.inSet(k)) set.add(pricing.tier(k).route);
            }
            confidence = c.confidence;
            alphaApplied = c.alphaApplied;
            isUncertain = c.uncertain;
            if (c.note != null) reason = join(reason, c.note);
        } else {
            // The fallback ladder: a recent near-identical decision, then the query's own signals, then the default.
            set.add("");
            RecentDecisions.Entry same = recent.nearest(q.namespace, q.embedding, System.currentTimeMillis());
            HeuristicRoute.Opinion opinion = same == null ? HeuristicRoute.opinion(q.text, q.tags) : null;
            if (same != null) {
                level = FallbackLevel.RECENT_DECISION;
                route = same.route();
                confidence = same.confidence();
                reason = join(q.score.failure, "same route as near-identical query " + same.queryId());
            } else if (opinion != null) {
                level = FallbackLevel.HEURISTIC;
                route = opinion.strong() ? pricing.strongest() : 0;
                confidence = 0.0;
                reason = join(q.score.failure, "heuristic: " + opinion.reason());
            } else {
                level = FallbackLevel.DEFAULT_ROUTE;
                route = defaultRoute;
                confidence = 0.0;
                reason = join(q.score.failure, "default route");
            }
            set.set(0, pricing.tier(route).route);
            isUncertain = true;
        }

        int inputTokens = tokens.count(q.text);
        double cost = pricing.costUsd(route, inputTokens);
        double strongCost = pricing.costUsd(pricing.strongest(), inputTokens);
        PricingTable.Tier tier = pricing.tier(route);
        long now = System.currentTimeMillis();
        long latencyUs = nowMicros.getAsLong() - q.ingestMicros;

        RoutingDecision d = RoutingDecision.newBuilder()
                .setQueryId(q.queryId)
                .setNamespace(q.namespace)
                .setUserId(q.userId == null ? "" : q.userId)
                .setRoute(tier.route)
                .setModel(tier.model)
                .setConfidence(confidence)
                .setPStrong(Double.isNaN(pStrong) ? -1.0 : pStrong)
                .setPredictionSet(set)
                .setUncertain(isUncertain)
                .setAlpha(alphaApplied)
                .setContext(topContext(q))
                .setCandidatesConsidered(q.candidateCount)
                .setEstimatedCostUsd(cost)
                .setStrongCostUsd(strongCost)
                .setFallbackLevel(level)
                .setFallbackReason(reason)
                .setModelVersion(q.score.modelVersion == null ? "none" : q.score.modelVersion)
                .setModelRole(q.score.modelRole == null ? "none" : q.score.modelRole)
                .setEventTimeMs(q.eventTimeMs)
                .setDecidedAtMs(now)
                .setProcessingLatencyUs(latencyUs)
                .setProbe(probe)
                .build();
        rememberIfConfident(q, level, isUncertain, route, confidence, now);
        return d;
    }

    /**
     * The conformal step alone, for a score with the calibration of the release that made it (the served score, or
     * a shadow challenger's) and the query's alpha (NaN: the default); the decision is valid until the next call.
     * Two routes today: P(label = cheap) = 1 - p_strong. More tiers need a scorer output per route.
     */
    public ConformalRule.Decision decideConformally(Score s, double alpha) {
        labelProbs[0] = 1.0 - s.pStrong;
        labelProbs[labelProbs.length - 1] = s.pStrong;
        thresholds[0] = s.cheapThresholds;
        thresholds[thresholds.length - 1] = s.strongThresholds;
        ConformalRule.decide(labelProbs, alpha, defaultAlpha, s.calibrationAlphas, thresholds, decision);
        return decision;
    }

    /** Fallback bookkeeping: a confident scorer decision becomes a candidate for the first fallback level. */
    public void rememberIfConfident(QueryContext q, FallbackLevel level, boolean uncertain, int route,
                                    double confidence, long nowMs) {
        if (level == FallbackLevel.NONE && !uncertain) {
            recent.remember(q.namespace, q.embedding, route, confidence, nowMs, q.queryId);
        }
    }

    /** The contextK most relevant candidates, best first (selection over at most 128 rows). */
    public static List<ContextItem> topContext(QueryContext q) {
        int want = Math.min(q.contextK, q.candidateCount);
        List<ContextItem> items = new ArrayList<>(want);
        if (want == 0) return items;
        float[] rel = q.score.relevance;
        boolean[] taken = new boolean[q.candidateCount];
        for (int r = 0; r < want; r++) {
            int best = -1;
            for (int i = 0; i < q.candidateCount; i++) {
                // Without scores (scorer down) the retrieval order, by similarity, stands.
                float s = rel == null ? -i : rel[i];
                if (!taken[i] && (best < 0 || s > (rel == null ? -best : rel[best]))) best = i;
            }
            taken[best] = true;
            items.add(new ContextItem(q.candidateIds[best], rel == null ? 0f : rel[best]));
        }
        return items;
    }

    private static String join(String a, String b) {
        if (a == null) return b;
        if (b == null) return a;
        return a + "; " + b;
    }

    @Override
    public void close() {
        tokens.close();
    }
}
