package org.agentrouter.release;

import ai.onnxruntime.OrtEnvironment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.agentrouter.routing.TrafficSplit;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelRejectedException;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.scoring.VersionRules;
import org.agentrouter.signing.TrustedModelKeys;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which model release serves whom, and the rules by which that changes: the hot reload of the scorer, without
 * Flink. Three slots: the champion (serves every user the challenger does not), the challenger (a share of
 * users by {@link TrafficSplit}, or every query in shadow mode, where it scores but does not decide) and the
 * last-known-good (what a rollback of the champion returns to). Their releases live in a {@link SlotState} (the
 * scorer's broadcast state: the source of truth, checkpointed); this class holds the open sessions built from it.
 *
 * <p>Acceptance: with trusted keys ({@link TrustedModelKeys}), every release and control that arrives must be signed
 * by one of them, checked before anything else (rule {@code signature}); then the role, the share, the version rules
 * against the champion ({@link VersionRules}) and the content checks of {@link ServedModel#accept}. What the state
 * holds was checked when it arrived, so a restore or a promotion (which rewrites the challenger's role) does not
 * check again.
 *
 * <p>Changes: a new champion makes the one it replaces the last-known-good; a challenger published at 100%, or
 * rolled out to it, is promoted; a rollback withdraws the challenger if there is one, else returns the champion to
 * its last-known-good (one step back only). A control that names a model version (the rollout judge's automatic
 * rollback) applies only while the challenger has that version; otherwise it is ignored with an {@code ignored}
 * event, so a challenger replaced in the meantime, or a rollback repeated or replayed, changes nothing.
 *
 * <p>Each change is reported as a {@link ModelEvent} (accepted, refused with its rule, promoted, rollout, rolled
 * back, ignored). One instance per scorer slot; not thread-safe except the gauge values.
 */
public final class ModelSlots implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelSlots.class);

    /** Roles of a release (its {@code role} field, and what serves a query). */
    public static final String CHAMPION = "champion";
    public static final String CHALLENGER = "challenger";
    /** Actions of a {@code ModelControl}. */
    public static final String ROLLBACK = "rollback";
    public static final String ROLLOUT = "rollout";

    /** State keys: the champion release, the one before it, the challenger, its share (decimal percent) and shadow flag. */
    public static final String CHAMPION_KEY = "champion";
    public static final String LAST_KNOWN_GOOD_KEY = "champion.previous";
    public static final String CHALLENGER_KEY = "challenger";
    public static final String CHALLENGER_SHARE_KEY = "challenger.share";
    public static final String CHALLENGER_SHADOW_KEY = "challenger.shadow";

    /** Events of {@link ModelEvent#getEvent()} that count as such in the scorer's metrics. */
    public static final String ACCEPTED = "accepted";
    public static final String REFUSED = "refused";
    public static final String PROMOTED = "promoted";
    public static final String ROLLED_BACK = "rolled back";
    public static final String IGNORED = "ignored";
    /** The rule of a record refused because our own code failed on it. */
    public static final String INTERNAL_ERROR = "internal error";

    private static final byte[] TRUE = "true".getBytes(StandardCharsets.UTF_8);

    /** The slots' release store: the scorer's broadcast state (Flink), a map in tests. */
    public interface SlotState {
        byte[] get(String key) throws Exception;

        void put(String key, byte[] value) throws Exception;

        void remove(String key) throws Exception;
    }

    private final OrtEnvironment env;
    private final TrustedModelKeys trustedKeys;
    private final int subtask;
    private ServedModel current;
    /** The state bytes the current session was built from (identity check, so restores are noticed). */
    private byte[] currentSource;
    private ServedModel challenger;
    private byte[] challengerSource;
    private int challengerShare;
    private boolean challengerShadow;
    /** Time to check and load the release of the next accepted/promoted event, -1 when none. */
    private long loadMs = -1;
    /** The bundled release as state bytes: the last-known-good of the first release accepted. */
    private byte[] bundledRelease;
    private volatile long versionGaugeValue;
    private volatile long challengerVersionGaugeValue;

    /** @param subtask the scorer subtask these slots serve, named in their events */
    public ModelSlots(OrtEnvironment env, TrustedModelKeys trustedKeys, int subtask) {
        this.env = env;
        this.trustedKeys = trustedKeys;
        this.subtask = subtask;
    }

    /** Serves the release bundled at {@code resourceDir} (a classpath directory) until one arrives. */
    public void serveBundled(String resourceDir) throws Exception {
        ModelRelease bundled = ModelReleases.fromClasspath(resourceDir);
        bundledRelease = AvroWire.MODEL_RELEASE.encode(bundled);
        swapTo(ServedModel.accept(env, bundled), null);
    }

    public ServedModel champion() {
        return current;
    }

    /** The challenger, live or in shadow mode; null when none serves. */
    public ServedModel challenger() {
        return challenger;
    }

    public boolean challengerInShadow() {
        return challenger != null && challengerShadow;
    }

    public int challengerShare() {
        return challengerShare;
    }

    /** The release that decides for this user: the live challenger for its share of users, else the champion (may be null). */
    public ServedModel decidingFor(String userKey) {
        if (challenger != null && !challengerShadow && TrafficSplit.toChallenger(userKey, challengerShare)) {
            return challenger;
        }
        return current;
    }

    /** The serving version as MAJOR*1e6 + MINOR*1e3 + PATCH (0: none), for a gauge: one number plots the version over time. */
    public long versionGaugeValue() {
        return versionGaugeValue;
    }

    public long challengerVersionGaugeValue() {
        return challengerVersionGaugeValue;
    }

    /** Applies one record of router-models (a release or a control); returns what happened, in order. */
    public List<ModelEvent> apply(byte[] bytes, SlotState state) throws Exception {
        List<ModelEvent> events = new ArrayList<>(2);
        try {
            // The state is the source of truth: the rules compare against what it says serves, even on a slot
            // that was restored and has not scored a query yet.
            sync(state);
            onRecord(bytes, state, events);
        } catch (RuntimeException e) {
            // A release or control that breaks our own code is refused like any bad release: the broadcast input is
            // replayed from the compacted topic after a restart, so failing here would crash-loop every scorer.
            LOG.error("internal error on a record of router-models; refused, the serving model is unchanged", e);
            events.add(refused(null, INTERNAL_ERROR, e.toString()));
        }
        return events;
    }

    private void onRecord(byte[] bytes, SlotState state, List<ModelEvent> events) throws Exception {
        ModelRelease release;
        try {
            release = AvroWire.MODEL_RELEASE.decode(bytes);
        } catch (WireFormatException e) {
            ModelControl control = e.category() == ErrorCategory.UNKNOWN_SCHEMA ? asControl(bytes) : null;
            if (control == null) {
                events.add(refused(null, "undecodable release", e.getMessage()));
                return;
            }
            try {
                trustedKeys.verify(control);
            } catch (ModelRejectedException refused) {
                events.add(refused(null, refused.rule(), refused.getMessage()));
                return;
            }
            onControl(control, state, events);
            return;
        }
        boolean asChallenger = CHALLENGER.equals(release.getRole());
        ServedModel candidate;
        try {
            trustedKeys.verify(release); // first: nothing of an unsigned release is looked at further
            if (!asChallenger && !CHAMPION.equals(release.getRole())) {
                throw new ModelRejectedException("unknown role", "role '" + release.getRole() + "' (known: "
                        + CHAMPION + ", " + CHALLENGER + ")");
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
            events.add(refused(release, e.rule(), e.getMessage()));
            return;
        }
        if (asChallenger) {
            state.put(CHALLENGER_KEY, bytes);
            state.put(CHALLENGER_SHARE_KEY, shareBytes(release.getSharePercent()));
            state.remove(CHALLENGER_SHADOW_KEY); // a new challenger starts live; shadow mode is asked for by a control
            challengerShadow = false;
            swapChallengerTo(candidate, bytes, release.getSharePercent());
            events.add(event(ACCEPTED, release, null, "challenger serves " + challengerShare + "% of users", null));
            if (challengerShare == 100) {
                promote(state, "published with share 100", events);
            }
        } else {
            keepAsLastKnownGood(state);
            state.put(CHAMPION_KEY, bytes);
            swapTo(candidate, bytes);
            events.add(event(ACCEPTED, release, null, null, null));
        }
        LOG.info("Now serving model {} {} as {} on subtask {}", candidate.name, candidate.version, release.getRole(), subtask);
    }

    private static void checkShare(int share) throws ModelRejectedException {
        if (share < 0 || share > 100) {
            throw new ModelRejectedException("bad share", "share " + share + "% is not within 0..100");
        }
    }

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

    private void onControl(ModelControl control, SlotState state, List<ModelEvent> events) throws Exception {
        String only = control.getModelVersion();
        if (only != null && !only.isEmpty() && (challenger == null || !only.equals(challenger.version.toString()))) {
            // Meant for a challenger that no longer serves: replaced, withdrawn, promoted, or this is a repeat.
            String reason = control.getAction() + " of challenger " + only + " requested by " + control.getRequestedBy()
                    + " ignored: " + (challenger == null ? "no challenger serves" : "challenger " + challenger.version + " serves");
            events.add(event(IGNORED, null, null, reason, only));
            LOG.info("{} on subtask {}", reason, subtask);
            return;
        }
        if (ROLLOUT.equals(control.getAction())) {
            rollout(control, state, events);
        } else if (!ROLLBACK.equals(control.getAction())) {
            events.add(refused(null, "unknown control action", "action '" + control.getAction() + "' (known: " + ROLLBACK
                    + ", " + ROLLOUT + ")"));
        } else if (challenger != null) {
            withdrawChallenger(control, state, events);
        } else {
            rollbackChampion(control, state, events);
        }
    }

    private void rollout(ModelControl control, SlotState state, List<ModelEvent> events) throws Exception {
        if (challenger == null) {
            events.add(refused(null, "no challenger", "a rollout needs a release published with --role challenger first"));
            return;
        }
        ModelRelease release = AvroWire.MODEL_RELEASE.decode(challengerSource);
        try {
            checkShare(control.getSharePercent());
        } catch (ModelRejectedException e) {
            events.add(refused(release, e.rule(), e.getMessage()));
            return;
        }
        if (control.getShadow()) {
            challengerShadow = true;
            state.put(CHALLENGER_SHADOW_KEY, TRUE);
            events.add(event(ROLLOUT, release, null, "challenger " + challenger.version
                    + " in shadow mode: scores every query, decides none (champion decides for every user)", null));
            return;
        }
        String from = challengerShadow ? "shadow" : challengerShare + "%";
        challengerShare = control.getSharePercent();
        challengerShadow = false;
        state.put(CHALLENGER_SHARE_KEY, shareBytes(challengerShare));
        state.remove(CHALLENGER_SHADOW_KEY);
        events.add(event(ROLLOUT, release, null, "challenger " + challenger.version + " share " + from + " -> " + challengerShare + "%", null));
        if (challengerShare == 100) {
            promote(state, "rollout to 100%", events);
        }
    }

    /** The challenger becomes the champion; the champion it replaces becomes the last-known-good. */
    private void promote(SlotState state, String why, List<ModelEvent> events) throws Exception {
        ModelRelease asChampion = ModelRelease.newBuilder(AvroWire.MODEL_RELEASE.decode(challengerSource))
                .setRole(CHAMPION).setSharePercent(0).build();
        byte[] bytes = AvroWire.MODEL_RELEASE.encode(asChampion);
        ServedModel promoted;
        try {
            promoted = ServedModel.accept(env, asChampion);
        } catch (ModelRejectedException e) {
            events.add(refused(asChampion, "promotion failed", e.getMessage())); // passed as challenger, so not expected
            return;
        }
        keepAsLastKnownGood(state);
        state.put(CHAMPION_KEY, bytes);
        removeChallenger(state);
        swapChallengerTo(null, null, 0);
        String from = current == null ? "none" : current.version.toString();
        swapTo(promoted, bytes);
        events.add(event(PROMOTED, asChampion, null, why + "; replaces champion " + from, null));
    }

    private void keepAsLastKnownGood(SlotState state) throws Exception {
        byte[] previous = state.get(CHAMPION_KEY) != null ? state.get(CHAMPION_KEY) : bundledRelease;
        if (previous != null) {
            state.put(LAST_KNOWN_GOOD_KEY, previous);
        }
    }

    private static void removeChallenger(SlotState state) throws Exception {
        state.remove(CHALLENGER_KEY);
        state.remove(CHALLENGER_SHARE_KEY);
        state.remove(CHALLENGER_SHADOW_KEY);
    }

    private void withdrawChallenger(ModelControl control, SlotState state, List<ModelEvent> events) throws Exception {
        ModelRelease release = AvroWire.MODEL_RELEASE.decode(challengerSource);
        boolean wasShadow = challengerShadow;
        removeChallenger(state);
        swapChallengerTo(null, null, 0);
        String reason = "challenger " + release.getVersion() + (wasShadow ? " (shadow)" : "")
                + " withdrawn, champion serves every user, requested by " + control.getRequestedBy()
                + (control.getReason() == null ? "" : ": " + control.getReason());
        events.add(event(ROLLED_BACK, release, null, reason, null));
        LOG.warn("Challenger {} {} withdrawn on subtask {} ({})", release.getName(), release.getVersion(), subtask, reason);
    }

    private void rollbackChampion(ModelControl control, SlotState state, List<ModelEvent> events) throws Exception {
        String from = current == null ? "none" : current.version.toString();
        byte[] target = state.get(LAST_KNOWN_GOOD_KEY);
        if (target == null) {
            events.add(refused(null, "nothing to roll back to", "no release served before " + from));
            return;
        }
        ModelRelease release;
        ServedModel restored;
        try {
            release = AvroWire.MODEL_RELEASE.decode(target);
            // No version rules: going back is the point. The content checks run again, as for any session.
            restored = ServedModel.accept(env, release);
        } catch (WireFormatException | ModelRejectedException e) {
            events.add(refused(null, "rollback target unusable", e.getMessage()));
            return;
        }
        state.put(CHAMPION_KEY, target);
        // One step back only: rolling back again must not re-serve the release just rolled back from.
        state.remove(LAST_KNOWN_GOOD_KEY);
        swapTo(restored, target);
        String reason = "rolled back from " + from + (control.getReason() == null ? "" : ": " + control.getReason());
        events.add(event(ROLLED_BACK, release, null, reason, null));
        LOG.warn("Model {} {} serves again on subtask {} ({})", restored.name, restored.version, subtask, reason);
    }

    /**
     * Builds the sessions of what the state holds when this slot has not (after a restore, or on a slot that missed
     * nothing): the state may hold releases this slot has not built. Reads the state only.
     */
    public void sync(SlotState state) throws Exception {
        byte[] champion = state.get(CHAMPION_KEY);
        if (champion != null && champion != currentSource) {
            try {
                swapTo(ServedModel.accept(env, AvroWire.MODEL_RELEASE.decode(champion)), champion);
            } catch (ModelRejectedException | WireFormatException e) {
                // Accepted once, so this should not happen; keep serving what we have and do not retry per record.
                LOG.error("Release in broadcast state cannot be served here: {}", e.getMessage());
                currentSource = champion;
            }
        }
        byte[] next = state.get(CHALLENGER_KEY);
        if (next == null) {
            if (challenger != null) swapChallengerTo(null, null, 0);
            return;
        }
        byte[] share = state.get(CHALLENGER_SHARE_KEY);
        int shareNow = share == null ? 0 : Integer.parseInt(new String(share, StandardCharsets.UTF_8));
        challengerShadow = state.get(CHALLENGER_SHADOW_KEY) != null;
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

    private ModelEvent refused(ModelRelease release, String rule, String detail) {
        LOG.warn("Refused model release {} ({}): {}", release == null ? "?" : release.getName() + " " + release.getVersion(),
                rule, detail);
        return event(REFUSED, release, rule, detail, null);
    }

    /** @param version the version a control named, for an event without a release */
    private ModelEvent event(String event, ModelRelease release, String rule, String reason, String version) {
        ModelEvent e = ModelEvent.newBuilder()
                .setEvent(event)
                .setModelName(release == null ? "?" : release.getName())
                .setModelVersion(release == null ? (version == null ? "?" : version) : release.getVersion())
                .setRole(release != null ? release.getRole() : version != null ? CHALLENGER : CHAMPION)
                .setRule(rule)
                .setReason(reason)
                .setServingVersion(current == null ? "none" : current.version.toString())
                .setSubtask(subtask)
                .setAtMs(System.currentTimeMillis())
                .setChallengerVersion(challenger == null ? "" : challenger.version.toString())
                .setChallengerSharePercent(challenger == null ? 0 : challengerShare)
                .setChallengerShadow(challenger != null && challengerShadow)
                .setLoadMs(loadMs)
                .build();
        loadMs = -1;
        return e;
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
