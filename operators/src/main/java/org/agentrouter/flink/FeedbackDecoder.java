package org.agentrouter.flink;

import java.util.Map;
import org.agentrouter.intake.Decoded;
import org.agentrouter.intake.FeedbackIntake;
import org.agentrouter.routing.GuaranteeWindow;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.RoutingFeedback;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * routing-feedback bytes to {@link FeedbackOutcome}s ({@link FeedbackIntake}). Feedback that cannot be read, names
 * an unknown route, reports no outcome at all or is over a limit goes to the dead-letter output with its reason,
 * like a bad query.
 */
public class FeedbackDecoder extends ProcessFunction<RawRecord, FeedbackOutcome> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "feedback";
    /** A graded answer (quality in 0..1) below this counts as failed when no success flag is given. */
    public static final double PASS_QUALITY = 0.5;

    private final RouterConfig config;
    private transient FeedbackIntake intake;
    private transient Map<ErrorCategory, Counter> deadLetters;
    private transient Counter internalErrors;
    private transient Counter accepted;

    public FeedbackDecoder(RouterConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        intake = new FeedbackIntake(config.limits, config.pricing);
        MetricGroup router = getRuntimeContext().getMetricGroup().addGroup("router");
        accepted = router.counter("feedbackAccepted");
        internalErrors = router.counter("internalErrors");
        deadLetters = DeadLetterCounters.register(router, "feedbackDeadLetters");
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<FeedbackOutcome> out) {
        try {
            Decoded<RoutingFeedback> read = intake.read(raw.value);
            if (!read.isAccepted()) {
                deadLetters.get(read.category).inc();
                ctx.output(RouterOutputs.DEAD_LETTERS,
                        DeadLetters.of(raw.value, raw.topic, raw.partition, raw.offset, read.category, read.reason, read.id, STAGE));
                return;
            }
            emit(read.value, ctx, out);
        } catch (RuntimeException e) {
            deadLetters.get(ErrorCategory.PROCESSING_ERROR).inc();
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS,
                    DeadLetters.internalError(raw.value, raw.topic, raw.partition, raw.offset, null, STAGE, e));
        }
    }

    /** The probe route's outcome (an answered probe names the other route), else NaN. */
    static float probeOutcome(RoutingFeedback f) {
        if (f.getProbeRoute() == null || f.getProbeRoute().equals(f.getRoute())) return Float.NaN;
        if (f.getProbeSuccess() != null) return f.getProbeSuccess() ? 1f : 0f;
        return f.getProbeQuality() == null ? Float.NaN : f.getProbeQuality().floatValue();
    }

    private void emit(RoutingFeedback f, Context ctx, Collector<FeedbackOutcome> out) {
        String strongest = config.pricing.tier(config.pricing.strongest()).route;
        Boolean violation = GuaranteeWindow.isViolation(f.getRoute(), strongest, f.getSuccess(), f.getQuality(), PASS_QUALITY);
        String version = f.getModelVersion() == null || f.getModelVersion().isBlank()
                ? FeedbackOutcome.UNKNOWN_VERSION : f.getModelVersion();
        double alpha = f.getAlpha() != null ? f.getAlpha() : config.defaultAlpha;
        // Both outputs are built before either is emitted: a failure in between must not leave half a feedback.
        FeedbackOutcome outcome = new FeedbackOutcome(f.getQueryId(), version, f.getRoute(), violation, alpha);
        MemoryEvent learning = null;
        if (f.getNamespace() != null && !f.getNamespace().isBlank()) {
            // Learning from the outcome: the retrieval subtask owning the namespace adds the answered query as an
            // episode and updates the used memories' statistics.
            float result = f.getSuccess() != null ? (f.getSuccess() ? 1f : 0f) : f.getQuality().floatValue();
            String[] used = f.getContextIdsUsed().toArray(new String[0]);
            learning = MemoryEvent.feedback(f.getNamespace(), f.getQueryId(), f.getRoute(), f.getModel(), result, used,
                    f.getEventTimeMs());
            learning.probeOutcome = probeOutcome(f);
        }
        accepted.inc();
        out.collect(outcome);
        if (learning != null) ctx.output(RouterOutputs.MEMORY_FEEDBACK, learning);
    }
}
