package org.agentrouter.flink;

import java.util.HashMap;
import java.util.Map;
import org.agentrouter.routing.GuaranteeWindow;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keyed by router model version: a rolling violation rate over the last outcomes reported on routing-feedback
 * for the decisions that version made, exposed as metrics ({@code router_model_version_<v>_violationRate},
 * {@code ..._guaranteeDrift}) and, when the drift flag flips, a {@code drift} / {@code drift-cleared} event on
 * model-events with the numbers. The window lives in keyed state, so it survives restarts and rescaling.
 */
public class GuaranteeMonitor extends KeyedProcessFunction<String, FeedbackOutcome, KafkaMessage> {
    private static final long serialVersionUID = 1L;

    private final int window;
    private final int minOutcomes;
    private transient ValueState<GuaranteeWindow> state;
    private transient MetricGroup router;
    /** Latest figures per version, read by the gauges (registered once per version on this subtask). */
    private transient Map<String, GuaranteeWindow> latest;
    private transient Map<String, Counter> outcomes;

    public GuaranteeMonitor(int window, int minOutcomes) {
        this.window = window;
        this.minOutcomes = minOutcomes;
    }

    @Override
    public void open(OpenContext openContext) {
        state = getRuntimeContext().getState(new ValueStateDescriptor<>("guarantee-window", GuaranteeWindow.class));
        router = getRuntimeContext().getMetricGroup().addGroup("router");
        latest = new HashMap<>();
        outcomes = new HashMap<>();
    }

    @Override
    public void processElement(FeedbackOutcome outcome, Context ctx, Collector<KafkaMessage> out) throws Exception {
        String version = ctx.getCurrentKey();
        GuaranteeWindow w = state.value();
        if (w == null) w = new GuaranteeWindow(window, minOutcomes);
        boolean wasDrifting = w.drifting();
        w.add(outcome.violation, outcome.alpha);
        state.update(w);
        track(version, w);
        boolean drifting = w.drifting();
        // The rollout judge rolls back a challenger whose version drifts: it hears of every flip, and of the
        // rate now and then for its gauges.
        if (drifting != wasDrifting || w.total % 20 == 0) {
            ctx.output(RouterOutputs.VARIANT_STATS, org.agentrouter.rollout.VariantStats.guarantee(version, w.violationRate(),
                    drifting, w.describe(), System.currentTimeMillis()));
        }
        if (drifting != wasDrifting) {
            ModelEvent e = ModelEvent.newBuilder()
                    .setEvent(drifting ? "drift" : "drift-cleared")
                    .setModelName("router")
                    .setModelVersion(version)
                    .setRule("guarantee")
                    .setReason(w.describe())
                    .setServingVersion(version)
                    .setSubtask(getRuntimeContext().getTaskInfo().getIndexOfThisSubtask())
                    .setAtMs(System.currentTimeMillis())
                    .build();
            out.collect(new KafkaMessage(e.getModelName(), AvroWire.MODEL_EVENT.encode(e)));
        }
    }

    private void track(String version, GuaranteeWindow w) {
        if (!latest.containsKey(version)) {
            MetricGroup g = router.addGroup("model_version", version);
            g.gauge("violationRate", () -> latest.get(version).violationRate());
            g.gauge("violationRateLowerBound", () -> latest.get(version).rateLowerBound());
            g.gauge("guaranteeAlpha", () -> latest.get(version).meanAlpha());
            g.gauge("guaranteeDrift", () -> latest.get(version).drifting() ? 1 : 0);
            outcomes.put(version, g.counter("feedbackOutcomes"));
        }
        latest.put(version, w);
        outcomes.get(version).inc();
    }
}
