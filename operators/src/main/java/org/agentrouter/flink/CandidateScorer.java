package org.agentrouter.flink;

import ai.onnxruntime.OrtEnvironment;
import java.util.HashMap;
import java.util.Map;
import org.agentrouter.release.ModelSlots;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.query.QueryContext;
import org.agentrouter.query.Score;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.scoring.QueryScoring;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.signing.TrustedModelKeys;
import org.agentrouter.tracing.StageAttributes;
import org.agentrouter.tracing.StageTracer;
import org.agentrouter.tracing.TracingSettings;
import io.opentelemetry.api.trace.Span;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Scores every candidate of a query in one ONNX Runtime call, with the model its {@link ModelSlots} say serves the
 * query. The releases come from the {@code router-models} control stream through broadcast state, which is the
 * slots' source of truth and is checkpointed: after a restore the slots rebuild their sessions from the state
 * before scoring, without waiting for a new message. Until any release arrives, the release bundled in the job
 * jar serves. The rules of accepting, promoting, withdrawing and rolling back releases are the slots'; this
 * operator adds per-query scoring, the scorer's circuit breaker, metrics, and the adapter to broadcast state.
 *
 * <p>The swap happens between two records on the task thread, so no query is ever scored half by one model and
 * half by another, and the old session is closed right after.
 *
 * <p>In shadow mode ({@code ./router rollout --shadow}) the challenger scores every query after the champion,
 * but the champion's score decides: the challenger's score travels with the query (its shadow {@code Score}) so
 * that routing can record what it would have decided. Its failures never touch the champion's circuit breaker nor
 * the decision.
 */
public class CandidateScorer extends BroadcastProcessFunction<QueryContext, byte[], QueryContext> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "score";

    /** Broadcast state of the releases (keys: {@link ModelSlots}'s); its name and types are in every savepoint. */
    public static final MapStateDescriptor<String, byte[]> MODEL_STATE =
            new MapStateDescriptor<>("router-models", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);

    private final String bundledModel;
    private final CircuitBreaker.Settings breakerSettings;
    private final TrustedModelKeys trustedKeys;
    private final TracingSettings tracing;
    /** Null when tracing is off. */
    private transient StageTracer tracer;
    private transient CircuitBreaker breaker;
    private transient ModelSlots slots;

    /** Scratch output of shadow scoring: the shadow relevance is not used. */
    private transient float[] shadowRelevance;
    private transient Histogram scoreMicros;
    private transient Counter scoringFailures;
    private transient Counter internalErrors;
    private transient Counter modelsAccepted;
    private transient Counter modelRollbacks;
    private transient Counter modelPromotions;
    private transient Map<String, Counter> modelsRefused;
    private transient MetricGroup metrics;

    /** A scorer that checks no signature (no trusted keys). */
    public CandidateScorer(String bundledModel, CircuitBreaker.Settings breakerSettings) {
        this(bundledModel, breakerSettings, TrustedModelKeys.none());
    }

    public CandidateScorer(String bundledModel, CircuitBreaker.Settings breakerSettings, TrustedModelKeys trustedKeys) {
        this(bundledModel, breakerSettings, trustedKeys, null);
    }

    public CandidateScorer(String bundledModel, CircuitBreaker.Settings breakerSettings, TrustedModelKeys trustedKeys,
                           TracingSettings tracing) {
        this.bundledModel = bundledModel;
        this.breakerSettings = breakerSettings;
        this.trustedKeys = trustedKeys;
        this.tracing = tracing;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        slots = new ModelSlots(OrtEnvironment.getEnvironment(), trustedKeys, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        metrics = getRuntimeContext().getMetricGroup().addGroup("router");
        scoreMicros = metrics.histogram("scoringLatencyUs", new DescriptiveStatisticsHistogram(1024));
        scoringFailures = metrics.counter("scoringFailures");
        internalErrors = metrics.counter("internalErrors");
        modelsAccepted = metrics.counter("modelsAccepted");
        modelRollbacks = metrics.counter("modelRollbacks");
        modelPromotions = metrics.counter("modelPromotions");
        modelsRefused = new HashMap<>();
        breaker = new CircuitBreaker(breakerSettings);
        metrics.gauge("scorerBreakerState", () -> breaker.stateCode());
        // Encoded as MAJOR*1e6 + MINOR*1e3 + PATCH so one number plots the version over time (0: no challenger).
        metrics.gauge("modelVersion", () -> slots.versionGaugeValue());
        metrics.gauge("challengerVersion", () -> slots.challengerVersionGaugeValue());
        metrics.gauge("challengerSharePercent", () -> slots.challengerShare());
        metrics.gauge("challengerShadow", () -> slots.challengerInShadow() ? 1 : 0);
        shadowRelevance = new float[org.agentrouter.features.FeatureLayout.MAX_CANDIDATES];
        if (bundledModel != null && !bundledModel.isEmpty()) {
            slots.serveBundled(bundledModel);
        }
        tracer = StageTracer.open(tracing, STAGE, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), System.getenv());
    }

    @Override
    public void processElement(QueryContext q, ReadOnlyContext ctx, Collector<QueryContext> out) throws Exception {
        Span span = q.traced && tracer != null ? tracer.startStage(STAGE, q.traceparent, q.tracestate) : null;
        try {
            score(q, ctx, out, span);
        } catch (RuntimeException e) {
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS, DeadLetters.internalError(q, STAGE, e));
            if (span != null) {
                StageTracer.fail(span, "PROCESSING_ERROR", e.toString());
                span.end();
            }
        }
    }

    /** Ends the stage's span before the hand-over: a chained router runs inside collect(). */
    private static void handOver(QueryContext q, Collector<QueryContext> out, Span span) {
        if (span != null) {
            Score s = q.score;
            if (s.modelVersion != null) span.setAttribute(StageAttributes.MODEL_VERSION, s.modelVersion);
            if (s.modelRole != null) span.setAttribute(StageAttributes.MODEL_ROLE, s.modelRole);
            if (s.pStrong == s.pStrong) span.setAttribute(StageAttributes.P_STRONG, s.pStrong);
            if (s.micros >= 0) span.setAttribute(StageAttributes.SCORING_MICROS, s.micros);
            if (q.shadow != null) span.setAttribute(StageAttributes.SHADOW_VERSION, q.shadow.modelVersion);
            if (s.failure != null) {
                span.setAttribute(StageAttributes.SCORE_FAILURE, s.failure);
                if (s.failed) StageTracer.fail(span, s.failureCause, s.failure);
            }
            span.end();
        }
        out.collect(q);
    }

    private void score(QueryContext q, ReadOnlyContext ctx, Collector<QueryContext> out, Span span) throws Exception {
        slots.sync(readOnly(ctx.getBroadcastState(MODEL_STATE)));
        ServedModel champion = slots.champion();
        if (q.probe != null) {
            q.probe.modelLoaded = champion != null;
            q.probe.modelVersion = champion == null ? "none" : champion.version.toString();
            q.probe.scorerBreaker = breaker.state().name();
            out.collect(q);
            return;
        }
        ServedModel model = slots.decidingFor(userKey(q));
        if (model == null) {
            q.score.failure = "no model loaded";
            q.score.failureCause = FallbackCause.NO_MODEL;
            handOver(q, out, span);
            return;
        }
        long start = System.nanoTime();
        long now = System.currentTimeMillis();
        if (!breaker.allow(now)) {
            q.score.failure = "scorer circuit open";
            q.score.failureCause = FallbackCause.SCORER_CIRCUIT_OPEN;
        } else {
            // The breaker guards the champion: a failing challenger must not open the circuit for every user.
            // Its users fall back until the rollout judge withdraws it (or an operator does).
            boolean guarded = model == champion;
            try {
                QueryScoring.score(model, q);
                if (guarded) breaker.onSuccess();
                q.score.micros = (System.nanoTime() - start) / 1_000;
            } catch (RuntimeException e) {
                // Scoring errors are retriable from the query's point of view: it falls back, it is not dead-lettered.
                scoringFailures.inc();
                q.score.failed = true;
                if (guarded) breaker.onFailure(now);
                q.score.pStrong = Double.NaN;
                q.score.failure = "scorer failed: " + e.getMessage();
                q.score.failureCause = FallbackCause.SCORER_ERROR;
                q.score.micros = (System.nanoTime() - start) / 1_000;
            }
        }
        scoreMicros.update((System.nanoTime() - start) / 1_000);
        QueryScoring.stamp(model, q);
        // The release's own role field says what it was published as; what serves this query is what counts.
        q.score.modelRole = model == slots.challenger() ? ModelSlots.CHALLENGER : ModelSlots.CHAMPION;
        if (slots.challengerInShadow()) {
            scoreInShadow(slots.challenger(), q);
        }
        handOver(q, out, span);
    }

    /** The challenger's score for the record only: the query's served score (the champion's) stays as it is. */
    private void scoreInShadow(ServedModel shadow, QueryContext q) {
        Score s = new Score();
        s.modelVersion = shadow.version.toString();
        s.modelRole = ModelSlots.CHALLENGER;
        s.calibrationAlphas = shadow.alphas;
        s.strongThresholds = shadow.strongThresholds;
        s.cheapThresholds = shadow.cheapThresholds;
        long start = System.nanoTime();
        try {
            double p = shadow.scorer.score(q.candidateFeatures, q.queryFeatures, shadowRelevance);
            if (!(p >= 0.0 && p <= 1.0)) {
                throw new IllegalStateException("model returned p_strong " + p);
            }
            s.pStrong = p;
        } catch (RuntimeException e) {
            s.failure = "shadow scorer failed: " + e.getMessage();
            s.failed = true;
        }
        s.micros = (System.nanoTime() - start) / 1_000;
        q.shadow = s;
    }

    /** The same user, the same variant; a query without a user id is split on its own id. */
    private static String userKey(QueryContext q) {
        return q.userId == null || q.userId.isEmpty() ? String.valueOf(q.queryId) : q.userId;
    }

    @Override
    public void processBroadcastElement(byte[] bytes, Context ctx, Collector<QueryContext> out) throws Exception {
        for (ModelEvent e : slots.apply(bytes, writable(ctx.getBroadcastState(MODEL_STATE)))) {
            count(e);
            ctx.output(RouterOutputs.MODEL_EVENTS, new KafkaMessage(e.getModelName(), AvroWire.MODEL_EVENT.encode(e)));
        }
    }

    private void count(ModelEvent e) {
        switch (e.getEvent()) {
            case ModelSlots.ACCEPTED -> modelsAccepted.inc();
            case ModelSlots.PROMOTED -> modelPromotions.inc();
            case ModelSlots.ROLLED_BACK -> modelRollbacks.inc();
            case ModelSlots.REFUSED -> {
                if (ModelSlots.INTERNAL_ERROR.equals(e.getRule())) internalErrors.inc();
                modelsRefused.computeIfAbsent(e.getRule(), r -> metrics.addGroup("rule", r).counter("modelsRefused")).inc();
            }
            default -> { }
        }
    }

    private static ModelSlots.SlotState writable(BroadcastState<String, byte[]> state) {
        return new ModelSlots.SlotState() {
            public byte[] get(String key) throws Exception {
                return state.get(key);
            }

            public void put(String key, byte[] value) throws Exception {
                state.put(key, value);
            }

            public void remove(String key) throws Exception {
                state.remove(key);
            }
        };
    }

    /** The query side sees the state read-only: {@link ModelSlots#sync} only reads. */
    private static ModelSlots.SlotState readOnly(ReadOnlyBroadcastState<String, byte[]> state) {
        return new ModelSlots.SlotState() {
            public byte[] get(String key) throws Exception {
                return state.get(key);
            }

            public void put(String key, byte[] value) {
                throw new UnsupportedOperationException("broadcast state is read-only on the query side");
            }

            public void remove(String key) {
                throw new UnsupportedOperationException("broadcast state is read-only on the query side");
            }
        };
    }

    @Override
    public void close() {
        if (slots != null) slots.close();
        if (tracer != null) tracer.close();
    }
}
