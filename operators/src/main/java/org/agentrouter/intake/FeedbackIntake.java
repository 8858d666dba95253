package org.agentrouter.intake;

import java.util.List;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;

/**
 * routing-feedback bytes to a usable outcome, or the reason they are not one: unreadable, no query id, an unknown
 * route, no outcome at all, a value out of range, or more than the limits allow. Flink-free.
 */
public final class FeedbackIntake {
    private final InputLimits limits;
    private final PricingTable pricing;

    public FeedbackIntake(InputLimits limits, PricingTable pricing) {
        this.limits = limits;
        this.pricing = pricing;
    }

    public Decoded<RoutingFeedback> read(byte[] bytes) {
        RoutingFeedback f;
        try {
            f = AvroWire.FEEDBACK.decode(bytes, limits.maxRecordBytes);
        } catch (WireFormatException e) {
            return Decoded.refused(e.category(), e.getMessage(), null);
        }
        String problem = problem(f);
        if (problem != null) {
            String id = f.getQueryId();
            return Decoded.refused(ErrorCategory.INVALID_FIELD, problem,
                    id == null || id.isBlank() || id.length() > limits.maxIdChars ? null : id);
        }
        return Decoded.accepted(f);
    }

    private String problem(RoutingFeedback f) {
        if (f.getQueryId() == null || f.getQueryId().isBlank()) return "query_id is empty";
        String tooLong = firstNonNull(limits.idProblem("query_id", f.getQueryId()),
                limits.idProblem("namespace", f.getNamespace()), limits.idProblem("model", f.getModel()),
                limits.idProblem("model_version", f.getModelVersion()));
        if (tooLong != null) return tooLong;
        if (pricing.indexOf(f.getRoute()) < 0) return "unknown route '" + abbreviated(f.getRoute()) + "'";
        if (f.getSuccess() == null && f.getQuality() == null) return "neither success nor quality is given";
        Double q = f.getQuality();
        if (q != null && !(q >= 0 && q <= 1)) return "quality must be in [0, 1], got " + q;
        Double pq = f.getProbeQuality();
        if (pq != null && !(pq >= 0 && pq <= 1)) return "probe_quality must be in [0, 1], got " + pq;
        String probeRoute = f.getProbeRoute();
        if (probeRoute != null) {
            if (pricing.indexOf(probeRoute) < 0) return "unknown probe_route '" + abbreviated(probeRoute) + "'";
            if (probeRoute.equals(f.getRoute())) return "probe_route is the decision's own route '" + abbreviated(probeRoute) + "'";
            if (f.getProbeSuccess() == null && pq == null) return "probe_route is given but neither probe_success nor probe_quality";
        }
        Double a = f.getAlpha();
        if (a != null && !(a > 0 && a < 1)) return "alpha must be in (0, 1), got " + a;
        if (f.getTokensUsed() < 0) return "tokens_used must be >= 0, got " + f.getTokensUsed();
        if (f.getLatencyMs() < 0) return "latency_ms must be >= 0, got " + f.getLatencyMs();
        if (f.getEventTimeMs() < 0) return "event_time_ms must be >= 0, got " + f.getEventTimeMs();
        List<String> used = f.getContextIdsUsed();
        if (used.size() > limits.maxContextIds) {
            return "context_ids_used has " + used.size() + " ids, more than the limit of " + limits.maxContextIds;
        }
        for (String id : used) {
            if (id == null || id.isEmpty()) return "context_ids_used contains an empty id";
            String p = limits.idProblem("a context id", id);
            if (p != null) return p;
        }
        return null;
    }

    private static String firstNonNull(String... reasons) {
        for (String r : reasons) if (r != null) return r;
        return null;
    }

    /** A route name as it may appear in a reason: a hostile one can be long. */
    static String abbreviated(String s) {
        return s == null || s.length() <= 64 ? s : s.substring(0, 64) + "...";
    }
}
