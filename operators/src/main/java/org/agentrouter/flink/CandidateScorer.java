package org.agentrouter.flink;

import ai.onnxruntime.OrtEnvironment;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.routing.TrafficSplit;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelRejectedException;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.QueryScoring;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.scoring.VersionRules;
import org.agentrouter.signing.TrustedModelKeys;
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
 * <p>A new release is checked in full (version rules, checksum, layout, contract, dry run) before it
 * replaces the current one; the swap happens between two records on the task thread, so no query is ever
 * scored half by one model and half by another, and the old session is closed right after.
 *
 * <p>A release with role {@code challenger} serves next to the champion, for a share of users chosen by
 * a consistent hash of the user id ({@link TrafficSplit}); a rollout to 100% promotes it. A rollback
 * withdraws the challenger if there is one, else returns the champion to its last-known-good.
 *
 * <p>In shadow mode ({@code ./router rollout --shadow}) the challenger scores every query after the champion,
 * but the champion's score decides: the challenger's score travels with the query so that routing can record
 * what it would have decided. Its failures never touch the champion's circuit breaker nor the decision.
 *
 * <p>A control that names a model version (the rollout judge's automatic rollback) applies only while the
 * challenger has that version; otherwise it is ignored with an {@code ignored} event, so a challenger
 * replaced in the meantime, or a rollback repeated or replayed, changes nothing.
 *
 * <p>With trusted keys ({@link TrustedModelKeys}), every release and control that arrives must be signed by one
 * of them, checked before anything else (rule {@code signature}). What broadcast state holds was checked when it
 * arrived, so a restore or a promotion (which rewrites the challenger's role) does not check again.
 */
public class CandidateScorer extends BroadcastProcessFunction<QueryContext, byte[], QueryContext> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "score";
    private static final Logger LOG = LoggerFactory.getLogger(CandidateScorer.class);

    public static final MapStateDescriptor<String, byte[]> MODEL_STATE =
            new MapStateDescriptor<>("router-models", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    /** The broadcast-state key of the release that serves all traffic the challenger does not. */
    public static final String CHAMPION = "champion";
    /**
     * The broadcast-state key of the release that served before the champion (the bundled one at first):
     * what a rollback returns to, kept in state so that it survives a restore.
     */
    public static final String LAST_KNOWN_GOOD = "champion.previous";
    /** The broadcast-state key of the challenger release, and of its share (decimal percent, UTF-8). */
    public static final String CHALLENGER = "challenger";
    public static final String CHALLENGER_SHARE = "challenger.share";
    /** The broadcast-state key of the shadow flag ("true" / absent). */
    public static final String CHALLENGER_SHADOW = "challenger.shadow";

    public static final String ROLE_CHAMPION = "champion";
    public static final String ROLE_CHALLENGER = "challenger";
    public static final String ROLLBACK = "rollback";
    public static final String ROLLOUT = "rollout";

    private final String bundledModel;
    private final CircuitBreaker.Settings breakerSettings;
    private final TrustedModelKeys trustedKeys;
    private transient CircuitBreaker breaker;

    private transient OrtEnvironment env;
    private transient ServedModel current;
    /** The state bytes the current session was built from (identity check, so restores are noticed). */
    private transient byte[] currentSource;
    private transient ServedModel challenger;
    private transient byte[] challengerSource;
    private transient int challengerShare;
    private transient boolean challengerShadow;
    /** Time to check and load the release of the next accepted/promoted event, -1 when none. */
    private transient long loadMs = -1;
    /** Scratch output of shadow scoring: the shadow relevance is not used. */
    private transient float[] shadowRelevance;
    private transient volatile long versionGaugeValue;
    private transient volatile long challengerVersionGaugeValue;
    private transient Histogram scoreMicros;
    private transient Counter scoringFailures;
    private transient Counter internalErrors;
    private transient Counter modelsAccepted;
    private transient Counter modelRollbacks;
    private transient Counter modelPromotions;
    private transient Map<String, Counter> modelsRefused;
    private transient MetricGroup metrics;
    /** The bundled release as state bytes: the last-known-good of the first release accepted. */
    private transient byte[] bundledRelease;

    /** A scorer that checks no signature (no trusted keys). */
    public CandidateScorer(String bundledModel, CircuitBreaker.Settings breakerSettings) {
        this(bundledModel, breakerSettings, TrustedModelKeys.none());
    }

    public CandidateScorer(String bundledModel, CircuitBreaker.Settings breakerSettings, TrustedModelKeys trustedKeys) {
        this.bundledModel = bundledModel;
        this.breakerSettings = breakerSettings;
        this.trustedKeys = trustedKeys;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        env = OrtEnvironment.getEnvironment();
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
        metrics.gauge("modelVersion", () -> versionGaugeValue);
        metrics.gauge("challengerVersion", () -> challengerVersionGaugeValue);
        metrics.gauge("challengerSharePercent", () -> challengerShare);
        metrics.gauge("challengerShadow", () -> challengerShadow ? 1 : 0);
        shadowRelevance = new float[org.agentrouter.features.FeatureLayout.MAX_CANDIDATES];
        if (bundledModel != null && !bundledModel.isEmpty()) {
            ModelRelease bundled = ModelReleases.fromClasspath(bundledModel);
            bundledRelease = AvroWire.MODEL_RELEASE.encode(bundled);
            swapTo(ServedModel.accept(env, bundled), null);
        }
    }

    @Override
    public void processElement(QueryContext q, ReadOnlyContext ctx, Collector<QueryContext> out) throws Exception {
        try {
            score(q, ctx, out);
        } catch (RuntimeException e) {
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS, DeadLetters.internalError(q, STAGE, e));
        }
    }

    private void score(QueryContext q, ReadOnlyContext ctx, Collector<QueryContext> out) throws Exception {
        syncWithState(ctx.getBroadcastState(MODEL_STATE));
        if (q.probe != null) {
            q.probe.modelLoaded = current != null;
            q.probe.modelVersion = current == null ? "none" : current.version.toString();
            q.probe.scorerBreaker = breaker.state().name();
            out.collect(q);
            return;
        }
        ServedModel model = current;
        if (challenger != null && !challengerShadow && TrafficSplit.toChallenger(userKey(q), challengerShare)) {
            model = challenger;
        }
        if (model == null) {
            q.scoringFailure = "no model loaded";
            q.scoringFailureCause = FallbackCause.NO_MODEL;
            out.collect(q);
            return;
        }
        long start = System.nanoTime();
        long now = System.currentTimeMillis();
        if (!breaker.allow(now)) {
            q.scoringFailure = "scorer circuit open";
            q.scoringFailureCause = FallbackCause.SCORER_CIRCUIT_OPEN;
        } else {
            // The breaker guards the champion: a failing challenger must not open the circuit for every user.
            // Its users fall back until the rollout judge withdraws it (or an operator does).
            boolean guarded = model == current;
            try {
                QueryScoring.score(model, q);
                if (guarded) breaker.onSuccess();
                q.scoringMicros = (System.nanoTime() - start) / 1_000;
            } catch (RuntimeException e) {
                // Scoring errors are retriable from the query's point of view: it falls back, it is not dead-lettered.
                scoringFailures.inc();
                q.scoringFailed = true;
                if (guarded) breaker.onFailure(now);
                q.pStrong = Double.NaN;
                q.scoringFailure = "scorer failed: " + e.getMessage();
                q.scoringFailureCause = FallbackCause.SCORER_ERROR;
                q.scoringMicros = (System.nanoTime() - start) / 1_000;
            }
        }
        scoreMicros.update((System.nanoTime() - start) / 1_000);
        QueryScoring.stamp(model, q);
        // The release's own role field says what it was published as; what serves this query is what counts.
        q.modelRole = model == challenger ? ROLE_CHALLENGER : ROLE_CHAMPION;
        if (challenger != null && challengerShadow) {
            scoreInShadow(challenger, q);
        }
        out.collect(q);
    }

    /** The challenger's score for the record only: the query's own fields (the champion's) stay as they are. */
    private void scoreInShadow(ServedModel shadow, QueryContext q) {
        q.shadowVersion = shadow.version.toString();
        q.shadowCalibrationAlphas = shadow.alphas;
        q.shadowStrongThresholds = shadow.strongThresholds;
        q.shadowCheapThresholds = shadow.cheapThresholds;
        long start = System.nanoTime();
        try {
            double p = shadow.scorer.score(q.candidateFeatures, q.queryFeatures, shadowRelevance);
            if (!(p >= 0.0 && p <= 1.0)) {
                throw new IllegalStateException("model returned p_strong " + p);
            }
            q.shadowPStrong = p;
        } catch (RuntimeException e) {
            q.shadowFailure = "shadow scorer failed: " + e.getMessage();
        }
        q.shadowScoringMicros = (System.nanoTime() - start) / 1_000;
    }

    /** The same user, the same variant; a query without a user id is split on its own id. */
    private static String userKey(QueryContext q) {
        return q.userId == null || q.userId.isEmpty() ? String.valueOf(q.queryId) : q.userId;
    }

    @Override
    public void processBroadcastElement(byte[] bytes, Context ctx, Collector<QueryContext> out) throws Exception {
        try {
            onRelease(bytes, ctx);
        } catch (RuntimeException e) {
            // A release or control that breaks our own code is refused like any bad release: the broadcast input is
            // replayed from the compacted topic after a restart, so failing here would crash-loop every scorer.
            internalErrors.inc();
            LOG.error("internal error on a record of router-models; refused, the serving model is unchanged", e);
            refuse(ctx, null, "internal error", e.toString());
        }
    }

    private void onRelease(byte[] bytes, Context ctx) throws Exception {
        // The state is the source of truth: the rules compare against what it says serves, even on a slot
        // that was restored and has not scored a query yet.
        BroadcastState<String, byte[]> state = ctx.getBroadcastState(MODEL_STATE);
        syncWithState(state);
        ModelRelease release;
        try {
            release = AvroWire.MODEL_RELEASE.decode(bytes);
        } catch (WireFormatException e) {
            ModelControl control = e.category() == ErrorCategory.UNKNOWN_SCHEMA ? asControl(bytes) : null;
            if (control != null) {
                try {
                    trustedKeys.verify(control);
                } catch (ModelRejectedException refused) {
                    refuse(ctx, null, refused.rule(), refused.getMessage());
                    return;
                }
                onControl(control, state, ctx);
            } else {
                refuse(ctx, null, "undecodable release", e.getMessage());
            }
            return;
        }
        boolean asChallenger = ROLE_CHALLENGER.equals(release.getRole());
        ServedModel candidate;
        try {
            trustedKeys.verify(release); // first: nothing of an unsigned release is looked at further
            if (!asChallenger && !ROLE_CHAMPION.equals(release.getRole())) {
                throw new ModelRejectedException("unknown role", "role '" + release.getRole() + "' (known: "
                        + ROLE_CHAMPION + ", " + ROLE_CHALLENGER + ")");
            }
            if (asChallenger) {
                checkShare(release.getSharePercent());
            }
            // A challenger is held to the same rules against the champion: it is meant to become the champion.
            VersionRules.check(current == null ? null : current.version, release);
            long loadStart = System.nanoTime();
            candidate = ServedModel.accept(env, release);
            loadMs = (System.nanoTime() - loadStart) / 1_000_000;
        } catch (ModelRejectedException e) {
            refuse(ctx, release, e.rule(), e.getMessage());
            return;
        }
        modelsAccepted.inc();
        if (asChallenger) {
            state.put(CHALLENGER, bytes);
            state.put(CHALLENGER_SHARE, shareBytes(release.getSharePercent()));
            state.remove(CHALLENGER_SHADOW); // a new challenger starts live; shadow mode is asked for by a control
            challengerShadow = false;
            swapChallengerTo(candidate, bytes, release.getSharePercent());
            emit(ctx, "accepted", release, null, "challenger serves " + challengerShare + "% of users");
            if (challengerShare == 100) {
                promote(state, ctx, "published with share 100");
            }
        } else {
            byte[] previous = state.get(CHAMPION) != null ? state.get(CHAMPION) : bundledRelease;
            if (previous != null) {
                state.put(LAST_KNOWN_GOOD, previous);
            }
            state.put(CHAMPION, bytes);
            swapTo(candidate, bytes);
            emit(ctx, "accepted", release, null, null);
        }
        LOG.info("Now serving model {} {} as {} on subtask {}", candidate.name, candidate.version, release.getRole(),
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
    }

    private static void checkShare(int share) throws ModelRejectedException {
        if (share < 0 || share > 100) {
            throw new ModelRejectedException("bad share", "share " + share + "% is not within 0..100");
        }
    }

    private static final byte[] TRUE = "true".getBytes(StandardCharsets.UTF_8);

    private static byte[] shareBytes(int share) {
        return Integer.toString(share).getBytes(StandardCharsets.UTF_8);
    }

    private static ModelControl asControl(byte[] bytes) {
        try {
            return AvroWire.MODEL_CONTROL.decode(bytes);
        } catch (WireFormatException e) {
            return null;
        }
    }

    private void onControl(ModelControl control, BroadcastState<String, byte[]> state, Context ctx) throws Exception {
        String only = control.getModelVersion();
        if (only != null && !only.isEmpty() && (challenger == null || !only.equals(challenger.version.toString()))) {
            // Meant for a challenger that no longer serves: replaced, withdrawn, promoted, or this is a repeat.
            String reason = control.getAction() + " of challenger " + only + " requested by " + control.getRequestedBy()
                    + " ignored: " + (challenger == null ? "no challenger serves" : "challenger " + challenger.version + " serves");
            emit(ctx, "ignored", null, null, reason, only);
            LOG.info("{} on subtask {}", reason, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
            return;
        }
        if (ROLLOUT.equals(control.getAction())) {
            rollout(control, state, ctx);
        } else if (!ROLLBACK.equals(control.getAction())) {
            refuse(ctx, null, "unknown control action", "action '" + control.getAction() + "' (known: " + ROLLBACK
                    + ", " + ROLLOUT + ")");
        } else if (challenger != null) {
            withdrawChallenger(control, state, ctx);
        } else {
            rollbackChampion(control, state, ctx);
        }
    }

    private void rollout(ModelControl control, BroadcastState<String, byte[]> state, Context ctx) throws Exception {
        if (challenger == null) {
            refuse(ctx, null, "no challenger", "a rollout needs a release published with --role challenger first");
            return;
        }
        ModelRelease release = AvroWire.MODEL_RELEASE.decode(challengerSource);
        try {
            checkShare(control.getSharePercent());
        } catch (ModelRejectedException e) {
            refuse(ctx, release, e.rule(), e.getMessage());
            return;
        }
        if (control.getShadow()) {
            challengerShadow = true;
            state.put(CHALLENGER_SHADOW, TRUE);
            emit(ctx, ROLLOUT, release, null, "challenger " + challenger.version
                    + " in shadow mode: scores every query, decides none (champion decides for every user)");
            return;
        }
        String from = challengerShadow ? "shadow" : challengerShare + "%";
        challengerShare = control.getSharePercent();
        challengerShadow = false;
        state.put(CHALLENGER_SHARE, shareBytes(challengerShare));
        state.remove(CHALLENGER_SHADOW);
        emit(ctx, ROLLOUT, release, null, "challenger " + challenger.version + " share " + from + " -> " + challengerShare + "%");
        if (challengerShare == 100) {
            promote(state, ctx, "rollout to 100%");
        }
    }

    /** The challenger becomes the champion; the champion it replaces becomes the last-known-good. */
    private void promote(BroadcastState<String, byte[]> state, Context ctx, String why) throws Exception {
        ModelRelease asChampion = ModelRelease.newBuilder(AvroWire.MODEL_RELEASE.decode(challengerSource))
                .setRole(ROLE_CHAMPION).setSharePercent(0).build();
        byte[] bytes = AvroWire.MODEL_RELEASE.encode(asChampion);
        ServedModel promoted;
        try {
            promoted = ServedModel.accept(env, asChampion);
        } catch (ModelRejectedException e) {
            refuse(ctx, asChampion, "promotion failed", e.getMessage()); // passed as challenger, so not expected
            return;
        }
        byte[] previous = state.get(CHAMPION) != null ? state.get(CHAMPION) : bundledRelease;
        if (previous != null) {
            state.put(LAST_KNOWN_GOOD, previous);
        }
        state.put(CHAMPION, bytes);
        state.remove(CHALLENGER);
        state.remove(CHALLENGER_SHARE);
        state.remove(CHALLENGER_SHADOW);
        swapChallengerTo(null, null, 0);
        String from = current == null ? "none" : current.version.toString();
        swapTo(promoted, bytes);
        modelPromotions.inc();
        emit(ctx, "promoted", asChampion, null, why + "; replaces champion " + from);
    }

    private void withdrawChallenger(ModelControl control, BroadcastState<String, byte[]> state, Context ctx) throws Exception {
        ModelRelease release = AvroWire.MODEL_RELEASE.decode(challengerSource);
        boolean wasShadow = challengerShadow;
        state.remove(CHALLENGER);
        state.remove(CHALLENGER_SHARE);
        state.remove(CHALLENGER_SHADOW);
        swapChallengerTo(null, null, 0);
        modelRollbacks.inc();
        String reason = "challenger " + release.getVersion() + (wasShadow ? " (shadow)" : "")
                + " withdrawn, champion serves every user, requested by " + control.getRequestedBy()
                + (control.getReason() == null ? "" : ": " + control.getReason());
        emit(ctx, "rolled back", release, null, reason);
        LOG.warn("Challenger {} {} withdrawn on subtask {} ({})", release.getName(), release.getVersion(),
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), reason);
    }

    private void rollbackChampion(ModelControl control, BroadcastState<String, byte[]> state, Context ctx) throws Exception {
        String from = current == null ? "none" : current.version.toString();
        byte[] target = state.get(LAST_KNOWN_GOOD);
        if (target == null) {
            refuse(ctx, null, "nothing to roll back to", "no release served before " + from);
            return;
        }
        ModelRelease release;
        ServedModel restored;
        try {
            release = AvroWire.MODEL_RELEASE.decode(target);
            // No version rules: going back is the point. The content checks run again, as for any session.
            restored = ServedModel.accept(env, release);
        } catch (WireFormatException | ModelRejectedException e) {
            refuse(ctx, null, "rollback target unusable", e.getMessage());
            return;
        }
        state.put(CHAMPION, target);
        // One step back only: rolling back again must not re-serve the release just rolled back from.
        state.remove(LAST_KNOWN_GOOD);
        swapTo(restored, target);
        modelRollbacks.inc();
        String reason = "rolled back from " + from + (control.getReason() == null ? "" : ": " + control.getReason());
        emit(ctx, "rolled back", release, null, reason);
        LOG.warn("Model {} {} serves again on subtask {} ({})", restored.name, restored.version,
                getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), reason);
    }

    /** After a restore (or on a slot that missed nothing) the state may hold releases this slot has not built. */
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
        byte[] next = state.get(CHALLENGER);
        if (next == null) {
            if (challenger != null) swapChallengerTo(null, null, 0);
            return;
        }
        byte[] share = state.get(CHALLENGER_SHARE);
        int shareNow = share == null ? 0 : Integer.parseInt(new String(share, StandardCharsets.UTF_8));
        challengerShadow = state.get(CHALLENGER_SHADOW) != null;
        if (next != challengerSource) {
            try {
                swapChallengerTo(ServedModel.accept(env, AvroWire.MODEL_RELEASE.decode(next)), next, shareNow);
            } catch (ModelRejectedException | WireFormatException e) {
                LOG.error("Challenger in broadcast state cannot be served here: {}", e.getMessage());
                swapChallengerTo(null, next, 0); // the champion serves everyone rather than a broken challenger
            }
        } else {
            challengerShare = shareNow;
        }
    }

    private void swapTo(ServedModel next, byte[] source) {
        ServedModel old = current;
        current = next;
        currentSource = source;
        versionGaugeValue = gaugeValue(next);
        if (old != null) {
            old.close();
        }
    }

    private void swapChallengerTo(ServedModel next, byte[] source, int share) {
        ServedModel old = challenger;
        challenger = next;
        challengerSource = source;
        challengerShare = next == null ? 0 : share;
        if (next == null) challengerShadow = false;
        challengerVersionGaugeValue = gaugeValue(next);
        if (old != null) {
            old.close();
        }
    }

    private static long gaugeValue(ServedModel m) {
        return m == null ? 0 : m.version.major() * 1_000_000L + m.version.minor() * 1_000L + m.version.patch();
    }

    private void refuse(Context ctx, ModelRelease release, String rule, String detail) {
        modelsRefused.computeIfAbsent(rule, r -> metrics.addGroup("rule", r).counter("modelsRefused")).inc();
        LOG.warn("Refused model release {} ({}): {}", release == null ? "?" : release.getName() + " " + release.getVersion(),
                rule, detail);
        emit(ctx, "refused", release, rule, detail);
    }

    private void emit(Context ctx, String event, ModelRelease release, String rule, String reason) {
        emit(ctx, event, release, rule, reason, null);
    }

    private void emit(Context ctx, String event, ModelRelease release, String rule, String reason, String version) {
        ModelEvent e = ModelEvent.newBuilder()
                .setEvent(event)
                .setModelName(release == null ? "?" : release.getName())
                .setModelVersion(release == null ? (version == null ? "?" : version) : release.getVersion())
                .setRole(release != null ? release.getRole() : version != null ? ROLE_CHALLENGER : ROLE_CHAMPION)
                .setRule(rule)
                .setReason(reason)
                .setServingVersion(current == null ? "none" : current.version.toString())
                .setSubtask(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask())
                .setAtMs(System.currentTimeMillis())
                .setChallengerVersion(challenger == null ? "" : challenger.version.toString())
                .setChallengerSharePercent(challenger == null ? 0 : challengerShare)
                .setChallengerShadow(challenger != null && challengerShadow)
                .setLoadMs(loadMs)
                .build();
        loadMs = -1;
        ctx.output(RouterOutputs.MODEL_EVENTS, new KafkaMessage(e.getModelName(), AvroWire.MODEL_EVENT.encode(e)));
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
            current = null;
        }
        if (challenger != null) {
            challenger.close();
            challenger = null;
        }
    }
}
