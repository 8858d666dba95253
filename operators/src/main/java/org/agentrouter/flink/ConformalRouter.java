package org.agentrouter.flink;

import org.agentrouter.release.ModelSlots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.rollout.VariantStats;
import org.agentrouter.routing.ConformalRule;
import org.agentrouter.query.HealthProbe;
import org.agentrouter.routing.HealthRules;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.query.QueryContext;
import org.agentrouter.query.Score;
import org.agentrouter.routing.RouteDecider;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RouterHealth;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingMetric;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.tracing.StageAttributes;
import org.agentrouter.tracing.StageTracer;
import org.agentrouter.tracing.TraceParent;
import org.agentrouter.tracing.TracingSettings;
import io.opentelemetry.api.trace.Span;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Last stage: the conformal decision from the scorer's p_strong (with the calibration of the same
 * release), the top context ids, the cost, and the fallback when the scorer could not answer, all
 * made by {@link RouteDecider}. Emits the encoded RoutingDecision and, on a side output, the
 * RoutingMetric record, and counts them.
 *
 * <p>When a challenger scores in shadow mode, the query also carries its score: the conformal step runs
 * again with the challenger's score and calibration, and what it would have decided goes to routing-metrics
 * as a shadow record and to the shadow variant's metrics; the decision itself stays the champion's.
 * Every {@code rollout.reportIntervalMs} (checked per decision and per health probe) the per-variant counts
 * go to the rollout judge on a side output.
 */
public class ConformalRouter extends ProcessFunction<QueryContext, KafkaMessage> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "route";

    private final PricingTable pricing;
    private final double defaultAlpha;
    private final int defaultRoute;
    private final int logSampleEvery;
    private final long healthIntervalMs;
    private final org.agentrouter.learning.LearnerSettings coldStart;
    private final TracingSettings tracing;
    /** Null when tracing is off. */
    private transient StageTracer tracer;
    private transient DecisionLog decisionLog;

    private transient RouteDecider decider;
    private transient MetricGroup metrics;
    private transient Map<String, Counter> byRoute;
    private transient Map<FallbackLevel, Counter> byFallback;
    /** Fallbacks by what made the scorer unavailable (a small fixed set of causes, not the free-text reason). */
    private transient Map<String, Counter> byFallbackCause;
    private transient Counter[] byConfidence;
    /** Labels of the confidence buckets: tenths, the last one closed. */
    static final String[] CONFIDENCE_BUCKETS = {"0.0-0.1", "0.1-0.2", "0.2-0.3", "0.3-0.4", "0.4-0.5",
            "0.5-0.6", "0.6-0.7", "0.7-0.8", "0.8-0.9", "0.9-1.0"};
    private transient Counter uncertain;
    private transient Counter internalErrors;
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
    private final long variantReportIntervalMs;
    private transient long lastVariantReportMs;

    public ConformalRouter(RouterConfig config) {
        this.pricing = config.pricing;
        this.defaultAlpha = config.defaultAlpha;
        this.defaultRoute = config.defaultRouteIndex();
        this.logSampleEvery = config.decisionLogSampleEvery;
        this.healthIntervalMs = config.healthIntervalMs;
        this.coldStart = config.coldStart;
        this.variantReportIntervalMs = config.rollout.reportIntervalMs;
        this.tracing = config.tracing;
    }

    @Override
    public void open(OpenContext openContext) {
        decider = new RouteDecider(pricing, defaultAlpha, defaultRoute, QueryDecoder::nowMicros, coldStart);
        decisionLog = new DecisionLog(logSampleEvery);
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
        internalErrors = metrics.counter("internalErrors");
        byConfidence = new Counter[CONFIDENCE_BUCKETS.length];
        for (int b = 0; b < CONFIDENCE_BUCKETS.length; b++) {
            byConfidence[b] = metrics.addGroup("confidence", CONFIDENCE_BUCKETS[b]).counter("decisions");
        }
        byFallbackCause = new HashMap<>();
        for (String cause : FallbackCause.ALL) byFallbackCause.put(cause, metrics.addGroup("cause", cause).counter("fallbacks"));
        processingMicros = metrics.histogram("processingLatencyUs", new DescriptiveStatisticsHistogram(2048));
        endToEndMs = metrics.histogram("endToEndLatencyMs", new DescriptiveStatisticsHistogram(2048));
        List<String> routes = new ArrayList<>(pricing.size());
        for (int i = 0; i < pricing.size(); i++) routes.add(pricing.tier(i).route);
        variants = new VariantMetrics(metrics, routes, pricing.tier(pricing.strongest()).route);
        windowStartMs = System.currentTimeMillis();
        lastDecisionMs = -1;
        lastVariantReportMs = System.currentTimeMillis();
        tracer = StageTracer.open(tracing, STAGE, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), System.getenv());
    }

    @Override
    public void processElement(QueryContext q, Context ctx, Collector<KafkaMessage> out) {
        Span span = q.traced && tracer != null ? tracer.startStage(STAGE, q.traceparent, q.tracestate) : null;
        try {
            route(q, ctx, out, span);
        } catch (RuntimeException e) {
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS, DeadLetters.internalError(q, STAGE, e));
            if (span != null) StageTracer.fail(span, "PROCESSING_ERROR", e.toString());
        } finally {
            if (span != null) span.end();
        }
    }

    private void route(QueryContext q, Context ctx, Collector<KafkaMessage> out, Span span) {
        if (q.probe != null) {
            reportHealth(q.probe, ctx);
            reportVariants(System.currentTimeMillis(), ctx);
            return;
        }
        RoutingDecision d = decider.decide(q);
        // The decision carries the trace on: this stage's span when traced, else the agent's own context as it came.
        KafkaMessage decision = new KafkaMessage(q.queryId, AvroWire.DECISION.encode(d));
        if (span != null) {
            decision.traced(TraceParent.format(span.getSpanContext()), q.tracestate);
            describe(span, d);
        } else {
            decision.traced(q.traceparent, q.tracestate);
        }
        out.collect(decision);
        decisionLog.record(d, q.text);

        double cost = d.getEstimatedCostUsd();
        double strongCost = d.getStrongCostUsd();
        long latencyUs = d.getProcessingLatencyUs();
        variants.record(d.getModelRole(), q.score.modelVersion, d.getRoute(), d.getFallbackLevel() != FallbackLevel.NONE,
                q.score.failed, latencyUs, q.score.micros);
        long now = d.getDecidedAtMs();
        RoutingMetric m = RoutingMetric.newBuilder()
                .setQueryId(q.queryId).setNamespace(q.namespace).setRoute(d.getRoute()).setModel(d.getModel())
                .setEstimatedCostUsd(cost).setStrongCostUsd(strongCost).setSavedUsd(strongCost - cost)
                .setFallbackLevel(d.getFallbackLevel()).setFallbackReason(d.getFallbackReason())
                .setModelVersion(d.getModelVersion()).setDecidedAtMs(now).setLatencyUs(latencyUs)
                .setModelRole(d.getModelRole()).build();
        ctx.output(RouterOutputs.ROUTING_METRICS, new KafkaMessage(q.queryId, AvroWire.METRIC.encode(m)));
        if (q.shadow != null) {
            recordShadow(q, d, ctx);
        }

        byRoute.get(d.getRoute()).inc();
        byConfidence[confidenceBucket(d.getConfidence())].inc();
        if (d.getFallbackLevel() != FallbackLevel.NONE) {
            byFallback.get(d.getFallbackLevel()).inc();
            byFallbackCause.computeIfAbsent(FallbackCause.of(q),
                    cause -> metrics.addGroup("cause", cause).counter("fallbacks")).inc();
        }
        if (d.getUncertain()) uncertain.inc();
        Counter[] c = costByModel.get(d.getModel());
        c[0].inc(Math.round(cost * 1e6));
        c[1].inc(Math.round((strongCost - cost) * 1e6));
        processingMicros.update(latencyUs);
        endToEndMs.update(Math.max(0, now - q.eventTimeMs));
        windowDecisions++;
        if (d.getFallbackLevel() != FallbackLevel.NONE) windowFallbacks++;
        if (q.retrievalFailed || q.score.failed) windowErrors++;
        lastDecisionMs = now;
        if (now - lastVariantReportMs >= variantReportIntervalMs) {
            reportVariants(now, ctx);
        }
    }

    private static void describe(Span span, RoutingDecision d) {
        span.setAttribute(StageAttributes.ROUTE, d.getRoute());
        span.setAttribute(StageAttributes.MODEL, d.getModel());
        span.setAttribute(StageAttributes.FALLBACK_LEVEL, d.getFallbackLevel().name());
        if (d.getFallbackLevel() != FallbackLevel.NONE && d.getFallbackReason() != null) {
            span.setAttribute(StageAttributes.FALLBACK_REASON, d.getFallbackReason());
        }
        if (d.getModelVersion() != null) span.setAttribute(StageAttributes.MODEL_VERSION, d.getModelVersion());
        span.setAttribute(StageAttributes.CONFIDENCE, d.getConfidence());
        span.setAttribute(StageAttributes.ALPHA, d.getAlpha());
        span.setAttribute(StageAttributes.PROCESSING_MICROS, d.getProcessingLatencyUs());
        span.setAttribute(StageAttributes.COST_USD, d.getEstimatedCostUsd());
        span.setAttribute(StageAttributes.CONTEXT_IDS, d.getContext().size());
    }

    /** What the shadow challenger would have decided: conformally with its own score and calibration. */
    private void recordShadow(QueryContext q, RoutingDecision d, Context ctx) {
        Score shadow = q.shadow;
        int route;
        FallbackLevel level = FallbackLevel.NONE;
        String reason;
        boolean failed = shadow.failure != null;
        if (failed) {
            // The fallback ladder keeps state (recent decisions): the shadow does not touch it and records the last level.
            route = defaultRoute;
            level = FallbackLevel.DEFAULT_ROUTE;
            reason = shadow.failure;
        } else {
            ConformalRule.Decision c = decider.decideConformally(shadow, q.alpha);
            route = c.route;
            reason = c.note;
        }
        String routeName = pricing.tier(route).route;
        String chosen = d.getRoute();
        double cost = routeName.equals(chosen) ? d.getEstimatedCostUsd()
                : route == pricing.strongest() ? d.getStrongCostUsd() : pricing.costUsd(route, decider.inputTokens(q.text));
        RoutingMetric m = RoutingMetric.newBuilder()
                .setQueryId(q.queryId).setNamespace(q.namespace).setRoute(routeName).setModel(pricing.tier(route).model)
                .setEstimatedCostUsd(cost).setStrongCostUsd(d.getStrongCostUsd()).setSavedUsd(d.getStrongCostUsd() - cost)
                .setFallbackLevel(level).setFallbackReason(reason)
                .setModelVersion(q.shadow.modelVersion).setDecidedAtMs(d.getDecidedAtMs()).setLatencyUs(d.getProcessingLatencyUs())
                .setModelRole(ModelSlots.CHALLENGER).setShadow(true).build();
        ctx.output(RouterOutputs.ROUTING_METRICS, new KafkaMessage(q.queryId, AvroWire.METRIC.encode(m)));
        variants.record(VariantMetrics.SHADOW, q.shadow.modelVersion, routeName, failed, failed, d.getProcessingLatencyUs(),
                q.shadow.micros);
    }

    private void reportVariants(long now, Context ctx) {
        int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        for (VariantStats s : variants.drainReports(now, subtask)) {
            ctx.output(RouterOutputs.VARIANT_STATS, s);
        }
        lastVariantReportMs = now;
    }

    static int confidenceBucket(double confidence) {
        if (!(confidence >= 0)) return 0;
        return Math.min(CONFIDENCE_BUCKETS.length - 1, (int) (confidence * CONFIDENCE_BUCKETS.length));
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

    @Override
    public void close() {
        if (decider != null) decider.close();
        if (tracer != null) tracer.close();
    }
}
