package org.agentrouter.flink;

import java.util.EnumMap;
import java.util.Map;
import org.agentrouter.routing.GuaranteeWindow;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * routing-feedback bytes to {@link FeedbackOutcome}s. Feedback that cannot be read, names an unknown route,
 * or reports no outcome at all goes to the dead-letter output with its reason, like a bad query.
 */
public class FeedbackDecoder extends ProcessFunction<RawRecord, FeedbackOutcome> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "feedback";
    /** A graded answer (quality in 0..1) below this counts as failed when no success flag is given. */
    public static final double PASS_QUALITY = 0.5;

    private final RouterConfig config;
    private transient Map<ErrorCategory, Counter> deadLetters;
    private transient Counter accepted;

    public FeedbackDecoder(RouterConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) {
        MetricGroup router = getRuntimeContext().getMetricGroup().addGroup("router");
        accepted = router.counter("feedbackAccepted");
        deadLetters = new EnumMap<>(ErrorCategory.class);
        for (ErrorCategory c : ErrorCategory.values()) {
            deadLetters.put(c, router.addGroup("category", c.name()).counter("feedbackDeadLetters"));
        }
    }

    @Override
    public void processElement(RawRecord raw, Context ctx, Collector<FeedbackOutcome> out) {
        RoutingFeedback f;
        try {
            f = AvroWire.FEEDBACK.decode(raw.value);
        } catch (WireFormatException e) {
            reject(raw, e.category(), e.getMessage(), null, ctx);
            return;
        }
        String problem = problem(f);
        if (problem != null) {
            reject(raw, ErrorCategory.INVALID_FIELD, problem, f.getQueryId(), ctx);
            return;
        }
        String strongest = config.pricing.tier(config.pricing.strongest()).route;
        Boolean violation = GuaranteeWindow.isViolation(f.getRoute(), strongest, f.getSuccess(), f.getQuality(), PASS_QUALITY);
        String version = f.getModelVersion() == null || f.getModelVersion().isBlank()
                ? FeedbackOutcome.UNKNOWN_VERSION : f.getModelVersion();
        double alpha = f.getAlpha() != null ? f.getAlpha() : config.defaultAlpha;
        accepted.inc();
        out.collect(new FeedbackOutcome(f.getQueryId(), version, f.getRoute(), violation, alpha));
        if (f.getNamespace() != null && !f.getNamespace().isBlank()) {
            // Learning from the outcome: the retrieval subtask owning the namespace adds the answered query as an
            // episode and updates the used memories' statistics.
            float outcome = f.getSuccess() != null ? (f.getSuccess() ? 1f : 0f) : f.getQuality().floatValue();
            String[] used = new String[f.getContextIdsUsed().size()];
            for (int i = 0; i < used.length; i++) used[i] = f.getContextIdsUsed().get(i).toString();
            ctx.output(RouterOutputs.MEMORY_FEEDBACK, MemoryEvent.feedback(f.getNamespace().toString(),
                    f.getQueryId().toString(), f.getRoute() == null ? null : f.getRoute().toString(),
                    f.getModel() == null ? null : f.getModel().toString(), outcome, used, f.getEventTimeMs()));
        }
    }

    private String problem(RoutingFeedback f) {
        if (f.getQueryId() == null || f.getQueryId().isBlank()) return "query_id is empty";
        if (config.pricing.indexOf(f.getRoute()) < 0) return "unknown route '" + f.getRoute() + "'";
        if (f.getSuccess() == null && f.getQuality() == null) return "neither success nor quality is given";
        Double q = f.getQuality();
        if (q != null && !(q >= 0 && q <= 1)) return "quality must be in [0, 1], got " + q;
        Double a = f.getAlpha();
        if (a != null && !(a > 0 && a < 1)) return "alpha must be in (0, 1), got " + a;
        return null;
    }

    private void reject(RawRecord raw, ErrorCategory category, String reason, String queryId, Context ctx) {
        deadLetters.get(category).inc();
        ctx.output(RouterOutputs.DEAD_LETTERS,
                DeadLetters.of(raw.value, raw.topic, raw.partition, raw.offset, category, reason, queryId, STAGE));
    }
}
