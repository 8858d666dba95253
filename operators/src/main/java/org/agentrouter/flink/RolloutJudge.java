package org.agentrouter.flink;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.agentrouter.rollout.RolloutRules;
import org.agentrouter.rollout.VariantStats;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.signing.ModelSigner;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that compares the challenger with the champion: every routing subtask reports its variants'
 * counts each interval, the guarantee monitor its per-version drift, all keyed to one constant key (so one
 * judge sees the whole job). Over the last window it applies {@link RolloutRules}; a challenger that breaks
 * them is rolled back by a {@code ModelControl} on router-models, the path a human {@code ./router rollback}
 * takes, so the broadcast state of every scorer changes the same way and survives restores, and the topic
 * keeps the audit trail. The control names the challenger's version: it withdraws nothing else (a
 * challenger already replaced or withdrawn makes it a no-op), so a repeated or replayed rollback is harmless.
 *
 * <p>When the job checks signatures, the rollback is signed with the job's own key ({@code --job-signing-key}, or one
 * made for the job when none is given), which the scorers trust for exactly this kind of control.
 *
 * <p>Reports, the drift flags and the rolled-back versions live in keyed state: a judge restored from a
 * checkpoint goes on with the same window, and does not roll back a version again while its in-flight
 * reports drain ({@link #settleMs}).
 */
public class RolloutJudge extends KeyedProcessFunction<String, VariantStats, KafkaMessage> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RolloutJudge.class);
    /** The one key: a single judge for the job. */
    public static final String KEY = "rollout";
    public static final String REQUESTED_BY = "rollout-judge";
    public static final String EVENT = "auto rollback";
    static final String[] ROLES = {CandidateScorer.ROLE_CHAMPION, CandidateScorer.ROLE_CHALLENGER};

    private final RolloutRules.Settings settings;
    /** Signs the rollbacks when the scorers check signatures (the job's own key); null: unsigned. */
    private final ModelSigner signer;
    private final long settleMs;
    private transient ListState<VariantStats> reports;
    private transient MapState<String, VariantStats> guarantees;
    private transient MapState<String, Long> rolledBackAt;
    private transient Counter autoRollbacks;
    /** What the gauges show: the latest window per role. */
    private transient Map<String, RolloutRules.Window> latest;
    private transient Map<String, Double> latestViolationRate;

    public RolloutJudge(RolloutRules.Settings settings) {
        this(settings, null);
    }

    public RolloutJudge(RolloutRules.Settings settings, ModelSigner signer) {
        this.settings = settings;
        this.signer = signer;
        // Reports of a rolled-back version still in flight: a few report intervals, and the scorers' reaction.
        this.settleMs = Math.max(5_000, 3 * settings.reportIntervalMs);
    }

    @Override
    public void open(OpenContext openContext) {
        reports = getRuntimeContext().getListState(new ListStateDescriptor<>("rollout-reports", TypeInformation.of(VariantStats.class)));
        guarantees = getRuntimeContext().getMapState(new MapStateDescriptor<>("rollout-guarantees", Types.STRING,
                TypeInformation.of(VariantStats.class)));
        rolledBackAt = getRuntimeContext().getMapState(new MapStateDescriptor<>("rollout-rolled-back", Types.STRING, Types.LONG));
        MetricGroup router = getRuntimeContext().getMetricGroup().addGroup("router");
        autoRollbacks = router.counter("autoRollbacks");
        // Read by the metric reporter's thread.
        latest = new ConcurrentHashMap<>();
        latestViolationRate = new ConcurrentHashMap<>();
        for (String role : ROLES) {
            // Registered up front (zeros until reports arrive), so dashboards and scrapes see them from the start.
            MetricGroup g = router.addGroup("judged_variant", role);
            g.gauge("windowDecisions", () -> window(role) == null ? 0L : window(role).decisions);
            g.gauge("errorRate", () -> window(role) == null ? 0.0 : window(role).errorRate());
            g.gauge("fallbackRate", () -> window(role) == null ? 0.0 : window(role).fallbackRate());
            g.gauge("strongShare", () -> window(role) == null ? 0.0 : window(role).strongShare());
            g.gauge("p95ScoringLatencyUs", () -> window(role) == null ? 0L : window(role).p95LatencyUs());
            g.gauge("violationRate", () -> latestViolationRate.getOrDefault(role, 0.0));
            g.gauge("modelVersion", () -> window(role) == null ? 0L : VariantMetrics.encode(window(role).version));
        }
    }

    private RolloutRules.Window window(String role) {
        return latest.get(role);
    }

    @Override
    public void processElement(VariantStats s, Context ctx, Collector<KafkaMessage> out) throws Exception {
        long now = System.currentTimeMillis();
        if (VariantStats.GUARANTEE.equals(s.kind)) {
            guarantees.put(s.version, s);
        } else {
            reports.add(s);
        }
        // The window: every report younger than windowMs, less those of a version just rolled back.
        List<VariantStats> kept = new ArrayList<>();
        Map<String, RolloutRules.Window> windows = new HashMap<>();
        RolloutRules.Window champion = null;
        RolloutRules.Window challenger = null;
        for (VariantStats r : reports.get()) {
            if (r.atMs < now - settings.windowMs) continue;
            Long rolledBack = rolledBackAt.get(r.version);
            if (rolledBack != null && r.atMs <= rolledBack + settleMs) continue;
            kept.add(r);
            RolloutRules.Window w = windows.computeIfAbsent(r.role + "|" + r.version, k -> new RolloutRules.Window(r.role, r.version));
            w.add(r);
        }
        reports.update(kept);
        for (RolloutRules.Window w : windows.values()) {
            if (CandidateScorer.ROLE_CHAMPION.equals(w.role) && (champion == null || w.lastAtMs > champion.lastAtMs)) champion = w;
            if (CandidateScorer.ROLE_CHALLENGER.equals(w.role) && (challenger == null || w.lastAtMs > challenger.lastAtMs)) challenger = w;
        }
        // A challenger that stopped reporting (withdrawn, or promoted: then its version is the champion's) is not
        // judged on what is left of its reports.
        if (challenger != null && (challenger.lastAtMs < now - settleMs
                || (champion != null && champion.version.equals(challenger.version)))) {
            challenger = null;
        }
        showOnGauges(CandidateScorer.ROLE_CHAMPION, champion);
        showOnGauges(CandidateScorer.ROLE_CHALLENGER, challenger);
        if (challenger == null || !settings.autoRollback) return;

        VariantStats guarantee = guarantees.get(challenger.version);
        Long rolledBack = rolledBackAt.get(challenger.version);
        if (rolledBack != null && guarantee != null && guarantee.atMs <= rolledBack + settleMs) guarantee = null;
        RolloutRules.Verdict verdict = RolloutRules.judge(champion, challenger, guarantee, settings);
        if (!verdict.rollback()) return;

        rolledBackAt.put(challenger.version, now);
        final String rolledBackVersion = challenger.version;
        List<VariantStats> rest = new ArrayList<>();
        for (VariantStats r : reports.get()) if (!r.version.equals(rolledBackVersion)) rest.add(r);
        reports.update(rest);
        autoRollbacks.inc();
        String servingVersion = champion == null ? "unknown" : champion.version;
        ModelControl control = ModelControl.newBuilder()
                .setAction(CandidateScorer.ROLLBACK)
                .setModelVersion(rolledBackVersion)
                .setReason("automatic (" + verdict.rule() + "): " + verdict.reason())
                .setRequestedBy(REQUESTED_BY)
                .setRequestedAtMs(now)
                .build();
        if (signer != null) {
            control = signer.sign(control);
        }
        out.collect(new KafkaMessage("control", AvroWire.MODEL_CONTROL.encode(control)));
        ModelEvent e = ModelEvent.newBuilder()
                .setEvent(EVENT)
                .setModelName("router")
                .setModelVersion(rolledBackVersion)
                .setRole(CandidateScorer.ROLE_CHALLENGER)
                .setRule(verdict.rule())
                .setReason((challenger.shadow ? "in shadow mode; " : "") + verdict.reason())
                .setServingVersion(servingVersion)
                .setSubtask(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask())
                .setAtMs(now)
                .build();
        ctx.output(RouterOutputs.MODEL_EVENTS, new KafkaMessage(e.getModelName(), AvroWire.MODEL_EVENT.encode(e)));
        LOG.warn("Rolling back challenger {} automatically ({}): {}", rolledBackVersion, verdict.rule(), verdict.reason());
    }

    private void showOnGauges(String role, RolloutRules.Window w) throws Exception {
        if (w == null) {
            latest.remove(role);
            return;
        }
        latest.put(role, w);
        VariantStats g = guarantees.get(w.version);
        latestViolationRate.put(role, g == null ? 0.0 : g.violationRate);
    }
}
