package org.agentrouter.flink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.embedding.TokenCounter;
import org.agentrouter.routing.ConformalRouter;
import org.agentrouter.routing.HealthProbe;
import org.agentrouter.routing.HealthRules;
import org.agentrouter.routing.HeuristicRoute;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.routing.RecentDecisions;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RouterHealth;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingMetric;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Last stage: the conformal decision from the scorer's p_strong (with the calibration of the same
 * release), the top context ids, the cost, and the fallback when the scorer could not answer.
 * Emits the encoded RoutingDecision and, on a side output, the RoutingMetric record.
 */
public class RoutingFunction extends ProcessFunction<QueryContext, KafkaMessage> {
    private static final long serialVersionUID = 1L;

    private final PricingTable pricing;
    private final double defaultAlpha;
    private final int defaultRoute;
    private final int logSampleEvery;
    private final long healthIntervalMs;
    private transient DecisionLog decisionLog;

    private transient TokenCounter tokens;
    private transient RecentDecisions recent;
    private transient ConformalRouter.Decision decision;
    private transient double[] labelProbs;
    private transient double[][] thresholds;
    private transient MetricGroup metrics;
    private transient Map<String, Counter> byRoute;
    private transient Map<FallbackLevel, Counter> byFallback;
    private transient Counter uncertain;
    private transient Histogram processingMicros;
    private transient Histogram endToEndMs;
    private transient VariantMetrics variants;
    private transient Map<String, Counter[]> costByModel;
    // What the next health record reports: counts since the previous probe, and the newest decision.
    private transient long windowStartMs;
    private transient long windowDecisions;
    private transient long windowFallbacks;
    private transient long windowErrors;
    private transient long lastDecisionMs;

    public RoutingFunction(RouterConfig config) {
        this.pricing = config.pricing;
        this.defaultAlpha = config.defaultAlpha;
        this.defaultRoute = config.defaultRouteIndex();
        this.logSampleEvery = config.decisionLogSampleEvery;
        this.healthIntervalMs = config.healthIntervalMs;
    }

    @Override
    public void open(OpenContext openContext) {
        tokens = new TokenCounter();
        recent = RecentDecisions.defaults();
        decisionLog = new DecisionLog(logSampleEvery);
        decision = new ConformalRouter.Decision();
        labelProbs = new double[pricing.size()];
        thresholds = new double[pricing.size()][];
        metrics = getRuntimeContext().getMetricGroup().addGroup("router");
        byRoute = new HashMap<>();
        byFallback = new HashMap<>();
        costByModel = new HashMap<>();
        for (int i = 0; i < pricing.size(); i++) {
            PricingTable.Tier t = pricing.tier(i);
            byRoute.put(t.route, metrics.addGroup("route", t.route).counter("decisions"));
            MetricGroup m = metrics.addGroup("model", t.model);
            // Counters hold whole micro-dollars: Flink counters are longs.
            costByModel.put(t.model, new Counter[] {m.counter("costMicroUsd"), m.counter("savedMicroUsd")});
        }
        for (FallbackLevel level : FallbackLevel.values()) {
            byFallback.put(level, metrics.addGroup("level", level.name()).counter("fallbacks"));
        }
        uncertain = metrics.counter("uncertainDecisions");
        processingMicros = metrics.histogram("processingLatencyUs", new DescriptiveStatisticsHistogram(2048));
        endToEndMs = metrics.histogram("endToEndLatencyMs", new DescriptiveStatisticsHistogram(2048));
        List<String> routes = new ArrayList<>(pricing.size());
        for (int i = 0; i < pricing.size(); i++) routes.add(pricing.tier(i).route);
        variants = new VariantMetrics(metrics, routes, pricing.tier(pricing.strongest()).route);
        windowStartMs = System.currentTimeMillis();
        lastDecisionMs = -1;
    }

    @Override
    public void processElement(QueryContext q, Context ctx, Collector<KafkaMessage> out) {
        if (q.probe != null) {
            reportHealth(q.probe, ctx);
            return;
        }
        FallbackLevel level = FallbackLevel.NONE;
        String reason = q.retrievalNote;
        int route;
        List<String> set = new ArrayList<>(pricing.size());
        double confidence;
        double alphaApplied = Double.isNaN(q.alpha) ? defaultAlpha : q.alpha;
        boolean isUncertain;
        if (q.scoringFailure == null) {
            decideConformally(q);
            route = decision.route;
            for (int k = 0; k < pricing.size(); k++) {
                if (decision.inSet(k)) set.add(pricing.tier(k).route);
            }
            confidence = decision.confidence;
            alphaApplied = decision.alphaApplied;
            isUncertain = decision.uncertain;
            if (decision.note != null) reason = join(reason, decision.note);
        } else {
            // The fallback ladder: a recent near-identical decision, then the query's own signals, then the default.
            set.add("");
            RecentDecisions.Entry same = recent.nearest(q.namespace, q.embedding, System.currentTimeMillis());
            HeuristicRoute.Opinion opinion = same == null ? HeuristicRoute.opinion(q.text, q.tags) : null;
            if (same != null) {
                level = FallbackLevel.RECENT_DECISION;
                route = same.route();
                confidence = same.confidence();
                reason = join(q.scoringFailure, "same route as near-identical query " + same.queryId());
            } else if (opinion != null) {
                level = FallbackLevel.HEURISTIC;
                route = opinion.strong() ? pricing.strongest() : 0;
                confidence = 0.0;
                reason = join(q.scoringFailure, "heuristic: " + opinion.reason());
            } else {
                level = FallbackLevel.DEFAULT_ROUTE;
                route = defaultRoute;
                confidence = 0.0;
                reason = join(q.scoringFailure, "default route");
            }
            set.set(0, pricing.tier(route).route);
            isUncertain = true;
        }

        int inputTokens = tokens.count(q.text);
        double cost = pricing.costUsd(route, inputTokens);
        double strongCost = pricing.costUsd(pricing.strongest(), inputTokens);
        PricingTable.Tier tier = pricing.tier(route);
        long now = System.currentTimeMillis();
        long latencyUs = QueryDecoder.nowMicros() - q.ingestMicros;

        RoutingDecision d = RoutingDecision.newBuilder()
                .setQueryId(q.queryId)
                .setNamespace(q.namespace)
                .setUserId(q.userId == null ? "" : q.userId)
                .setRoute(tier.route)
                .setModel(tier.model)
                .setConfidence(confidence)
                .setPStrong(Double.isNaN(q.pStrong) ? -1.0 : q.pStrong)
                .setPredictionSet(set)
                .setUncertain(isUncertain)
                .setAlpha(alphaApplied)
                .setContext(topContext(q))
                .setCandidatesConsidered(q.candidateCount)
                .setEstimatedCostUsd(cost)
                .setStrongCostUsd(strongCost)
                .setFallbackLevel(level)
                .setFallbackReason(reason)
                .setModelVersion(q.modelVersion == null ? "none" : q.modelVersion)
                .setModelRole(q.modelRole == null ? "none" : q.modelRole)
                .setEventTimeMs(q.eventTimeMs)
                .setDecidedAtMs(now)
                .setProcessingLatencyUs(latencyUs)
                .build();
        out.collect(new KafkaMessage(q.queryId, AvroWire.DECISION.encode(d)));
        variants.record(d.getModelRole(), tier.route, level != FallbackLevel.NONE, latencyUs);
        decisionLog.record(d, q.text);

        RoutingMetric m = RoutingMetric.newBuilder()
                .setQueryId(q.queryId).setNamespace(q.namespace).setRoute(tier.route).setModel(tier.model)
                .setEstimatedCostUsd(cost).setStrongCostUsd(strongCost).setSavedUsd(strongCost - cost)
                .setFallbackLevel(level).setFallbackReason(reason).setModelVersion(d.getModelVersion())
                .setDecidedAtMs(now).setLatencyUs(latencyUs).build();
        ctx.output(RouterOutputs.ROUTING_METRICS, new KafkaMessage(q.queryId, AvroWire.METRIC.encode(m)));

        if (level == FallbackLevel.NONE && !isUncertain) {
            recent.remember(q.namespace, q.embedding, route, confidence, now, q.queryId);
        }
        byRoute.get(tier.route).inc();
        if (level != FallbackLevel.NONE) byFallback.get(level).inc();
        if (isUncertain) uncertain.inc();
        Counter[] c = costByModel.get(tier.model);
        c[0].inc(Math.round(cost * 1e6));
        c[1].inc(Math.round((strongCost - cost) * 1e6));
        processingMicros.update(latencyUs);
        endToEndMs.update(Math.max(0, now - q.eventTimeMs));
        windowDecisions++;
        if (level != FallbackLevel.NONE) windowFallbacks++;
        if (q.retrievalFailed || q.scoringFailed) windowErrors++;
        lastDecisionMs = now;
    }

    /** The probe has passed every stage of this chain: judge it with this subtask's recent decisions and publish. */
    private void reportHealth(HealthProbe p, Context ctx) {
        long now = System.currentTimeMillis();
        long lag = Math.max(0, now - p.tickMs);
        HealthRules.Verdict v = HealthRules.judge(p, windowDecisions, windowFallbacks, windowErrors, lag, healthIntervalMs);
        var task = getRuntimeContext().getTaskInfo();
        RouterHealth h = RouterHealth.newBuilder()
                .setStatus(v.status())
                .setReasons(v.reasons())
                .setJobId(getRuntimeContext().getJobInfo().getJobId().toString())
                .setSubtask(task.getIndexOfThisSubtask())
                .setParallelism(task.getNumberOfParallelSubtasks())
                .setModelLoaded(p.modelLoaded)
                .setModelVersion(p.modelVersion)
                .setStoreReachable(p.storeReachable)
                .setStoreProblem(p.storeProblem)
                .setScorerBreaker(p.scorerBreaker)
                .setRetrievalBreaker(p.retrievalBreaker)
                .setWindowMs(now - windowStartMs)
                .setDecisions(windowDecisions)
                .setFallbacks(windowFallbacks)
                .setErrors(windowErrors)
                .setLastDecisionAgeMs(lastDecisionMs < 0 ? -1 : now - lastDecisionMs)
                .setProbeLagMs(lag)
                .setIntervalMs(healthIntervalMs)
                .setAtMs(now)
                .build();
        ctx.output(RouterOutputs.HEALTH, new KafkaMessage("subtask-" + h.getSubtask(), AvroWire.HEALTH.encode(h)));
        windowStartMs = now;
        windowDecisions = 0;
        windowFallbacks = 0;
        windowErrors = 0;
    }

    private void decideConformally(QueryContext q) {
        // Two routes today: P(label = cheap) = 1 - p_strong. More tiers need a scorer output per route.
        labelProbs[0] = 1.0 - q.pStrong;
        labelProbs[labelProbs.length - 1] = q.pStrong;
        thresholds[0] = q.cheapThresholds;
        thresholds[thresholds.length - 1] = q.strongThresholds;
        ConformalRouter.decide(labelProbs, q.alpha, defaultAlpha, q.calibrationAlphas, thresholds, decision);
    }

    /** The contextK most relevant candidates, best first (selection over at most 128 rows). */
    static List<ContextItem> topContext(QueryContext q) {
        int want = Math.min(q.contextK, q.candidateCount);
        List<ContextItem> items = new ArrayList<>(want);
        if (want == 0) return items;
        float[] rel = q.relevance;
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
        if (tokens != null) tokens.close();
    }
}
