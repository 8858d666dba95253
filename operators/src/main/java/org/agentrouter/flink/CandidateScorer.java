package org.agentrouter.flink;

import ai.onnxruntime.OrtEnvironment;
import java.util.HashMap;
import java.util.Map;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelRejectedException;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.QueryScoring;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores every candidate of a query in one ONNX Runtime call. The model comes from the
 * {@code router-models} control stream through broadcast state, which is the source of truth and is
 * checkpointed: after a restore the slot rebuilds its session from the state before scoring, without
 * waiting for a new message. Until any release arrives, the release bundled in the job jar serves.
 *
 * <p>A new release is checked in full (checksum, layout, contract, dry run) before it replaces the
 * current one; the swap happens between two records on the task thread, so no query is ever scored
 * half by one model and half by another, and the old session is closed right after.
 */
public class CandidateScorer extends BroadcastProcessFunction<QueryContext, byte[], QueryContext> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CandidateScorer.class);

    public static final MapStateDescriptor<String, byte[]> MODEL_STATE =
            new MapStateDescriptor<>("router-models", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    /** The broadcast-state key of the release that serves all traffic. */
    public static final String CHAMPION = "champion";

    private final String bundledModel;
    private final CircuitBreaker.Settings breakerSettings;
    private transient CircuitBreaker breaker;

    private transient OrtEnvironment env;
    private transient ServedModel current;
    /** The state bytes the current session was built from (identity check, so restores are noticed). */
    private transient byte[] currentSource;
    private transient volatile long versionGaugeValue;
    private transient Histogram scoreMicros;
    private transient Counter scoringFailures;
    private transient Counter modelsAccepted;
    private transient Map<String, Counter> modelsRefused;
    private transient MetricGroup metrics;

    public CandidateScorer(String bundledModel, CircuitBreaker.Settings breakerSettings) {
        this.bundledModel = bundledModel;
        this.breakerSettings = breakerSettings;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        env = OrtEnvironment.getEnvironment();
        metrics = getRuntimeContext().getMetricGroup().addGroup("router");
        scoreMicros = metrics.histogram("scoringLatencyUs", new DescriptiveStatisticsHistogram(1024));
        scoringFailures = metrics.counter("scoringFailures");
        modelsAccepted = metrics.counter("modelsAccepted");
        modelsRefused = new HashMap<>();
        breaker = new CircuitBreaker(breakerSettings);
        metrics.gauge("scorerBreakerState", () -> breaker.stateCode());
        // Encoded as MAJOR*1e6 + MINOR*1e3 + PATCH so one number plots the version over time.
        metrics.gauge("modelVersion", () -> versionGaugeValue);
        if (bundledModel != null && !bundledModel.isEmpty()) {
            swapTo(ServedModel.accept(env, ModelReleases.fromClasspath(bundledModel)), null);
        }
    }

    @Override
    public void processElement(QueryContext q, ReadOnlyContext ctx, Collector<QueryContext> out) throws Exception {
        syncWithState(ctx.getBroadcastState(MODEL_STATE));
        if (q.probe != null) {
            q.probe.modelLoaded = current != null;
            q.probe.modelVersion = current == null ? "none" : current.version.toString();
            q.probe.scorerBreaker = breaker.state().name();
            out.collect(q);
            return;
        }
        if (current == null) {
            q.scoringFailure = "no model loaded";
            out.collect(q);
            return;
        }
        long start = System.nanoTime();
        long now = System.currentTimeMillis();
        if (!breaker.allow(now)) {
            q.scoringFailure = "scorer circuit open";
        } else {
            try {
                QueryScoring.score(current, q);
                breaker.onSuccess();
            } catch (RuntimeException e) {
                // Scoring errors are retriable from the query's point of view: it falls back, it is not dead-lettered.
                scoringFailures.inc();
                q.scoringFailed = true;
                breaker.onFailure(now);
                q.pStrong = Double.NaN;
                q.scoringFailure = "scorer failed: " + e.getMessage();
            }
        }
        scoreMicros.update((System.nanoTime() - start) / 1_000);
        QueryScoring.stamp(current, q);
        out.collect(q);
    }

    @Override
    public void processBroadcastElement(byte[] bytes, Context ctx, Collector<QueryContext> out) throws Exception {
        ModelRelease release;
        try {
            release = AvroWire.MODEL_RELEASE.decode(bytes);
        } catch (WireFormatException e) {
            refuse(ctx, null, "undecodable release", e.getMessage());
            return;
        }
        if (current != null && !isNewer(release)) {
            refuse(ctx, release, "version not newer",
                    "release " + release.getVersion() + " is not newer than the serving " + current.version);
            return;
        }
        ServedModel candidate;
        try {
            candidate = ServedModel.accept(env, release);
        } catch (ModelRejectedException e) {
            refuse(ctx, release, e.rule(), e.getMessage());
            return;
        }
        BroadcastState<String, byte[]> state = ctx.getBroadcastState(MODEL_STATE);
        state.put(CHAMPION, bytes);
        swapTo(candidate, bytes);
        modelsAccepted.inc();
        emit(ctx, "accepted", release, null, null);
        LOG.info("Now serving model {} {} on subtask {}", candidate.name, candidate.version,
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
    }

    private boolean isNewer(ModelRelease release) {
        try {
            return org.agentrouter.scoring.SemanticVersion.parse(release.getVersion()).compareTo(current.version) > 0;
        } catch (IllegalArgumentException e) {
            return true; // let the full check refuse it with the precise reason
        }
    }

    /** After a restore (or on a slot that missed nothing) the state may hold a release this slot has not built. */
    private void syncWithState(ReadOnlyBroadcastState<String, byte[]> state) throws Exception {
        byte[] champion = state.get(CHAMPION);
        if (champion != null && champion != currentSource) {
            try {
                swapTo(ServedModel.accept(env, AvroWire.MODEL_RELEASE.decode(champion)), champion);
            } catch (ModelRejectedException | WireFormatException e) {
                // Accepted once, so this should not happen; keep serving what we have and do not retry per record.
                LOG.error("Release in broadcast state cannot be served here: {}", e.getMessage());
                currentSource = champion;
            }
        }
    }

    private void swapTo(ServedModel next, byte[] source) {
        ServedModel old = current;
        current = next;
        currentSource = source;
        versionGaugeValue = next.version.major() * 1_000_000L + next.version.minor() * 1_000L + next.version.patch();
        if (old != null) {
            old.close();
        }
    }

    private void refuse(Context ctx, ModelRelease release, String rule, String detail) {
        modelsRefused.computeIfAbsent(rule, r -> metrics.addGroup("rule", r).counter("modelsRefused")).inc();
        LOG.warn("Refused model release {} ({}): {}", release == null ? "?" : release.getName() + " " + release.getVersion(),
                rule, detail);
        emit(ctx, "refused", release, rule, detail);
    }

    private void emit(Context ctx, String event, ModelRelease release, String rule, String reason) {
        ModelEvent e = ModelEvent.newBuilder()
                .setEvent(event)
                .setModelName(release == null ? "?" : release.getName())
                .setModelVersion(release == null ? "?" : release.getVersion())
                .setRole(release == null ? "champion" : release.getRole())
                .setRule(rule)
                .setReason(reason)
                .setServingVersion(current == null ? "none" : current.version.toString())
                .setSubtask(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask())
                .setAtMs(System.currentTimeMillis())
                .build();
        ctx.output(RouterOutputs.MODEL_EVENTS, new KafkaMessage(e.getModelName(), AvroWire.MODEL_EVENT.encode(e)));
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
