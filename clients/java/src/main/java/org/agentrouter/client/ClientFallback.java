package org.agentrouter.client;

import java.util.List;
import java.util.regex.Pattern;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;

/**
 * The decision a client makes by itself when the router does not answer in time or its breaker is open.
 * It mirrors the job's heuristic level (operators' HeuristicRoute and TextSignals; the client must not
 * depend on operators, which pulls in Flink): code, mathematics, long texts and code/math/reasoning tags
 * go strong, everything else cheap. Keep the two in step.
 */
public final class ClientFallback {
    public static final int LONG_QUERY_CHARS = 1500;

    private static final Pattern CODE = Pattern.compile(
            "```|\\b(def|class|function|return|import|public static|#include|SELECT\\s+.+\\s+FROM|console\\.log|=>)\\b|[{};]\\s*$",
            Pattern.MULTILINE | Pattern.CASE_INSENSITIVE);
    private static final Pattern MATH = Pattern.compile(
            "\\\\(frac|sum|int|sqrt)|\\$[^$]+\\$|\\b(integral|derivative|equation|solve for|prove that|theorem|probability)\\b"
                    + "|\\d+\\s*[-+*/^=]\\s*\\d+",
            Pattern.CASE_INSENSITIVE);

    private final String cheapModel;
    private final String strongModel;

    public ClientFallback(String cheapModel, String strongModel) {
        this.cheapModel = cheapModel;
        this.strongModel = strongModel;
    }

    /** @return the reason the query needs the strong route, or null when the cheap route will do */
    public static String strongReason(String text, List<String> tags) {
        if (text != null && CODE.matcher(text).find()) return "code in the query";
        if (text != null && MATH.matcher(text).find()) return "mathematics in the query";
        if (text != null && text.length() > LONG_QUERY_CHARS) return "long query (" + text.length() + " chars)";
        if (tags != null) {
            for (String t : tags) {
                if ("code".equalsIgnoreCase(t) || "math".equalsIgnoreCase(t) || "reasoning".equalsIgnoreCase(t)) {
                    return "tag " + t;
                }
            }
        }
        return null;
    }

    /** @param why why the router was not asked or did not answer (deadline, breaker open, broker down) */
    public RoutingDecision decide(AgentQuery query, String why) {
        String strong = strongReason(query.getText(), query.getTags());
        boolean goStrong = strong != null;
        String route = goStrong ? "strong" : "cheap";
        long now = System.currentTimeMillis();
        return RoutingDecision.newBuilder()
                .setQueryId(query.getQueryId())
                .setNamespace(query.getNamespace())
                .setUserId(query.getUserId())
                .setRoute(route)
                .setModel(goStrong ? strongModel : cheapModel)
                // Nothing was scored: the confidence says only that the heuristic is a coarse guess.
                .setConfidence(0.5)
                .setPStrong(goStrong ? 1.0 : 0.0)
                .setPredictionSet(List.of("cheap", "strong"))
                .setUncertain(true)
                .setAlpha(query.getAlpha() == null ? 0.0 : query.getAlpha())
                .setContext(List.of())
                .setCandidatesConsidered(0)
                .setEstimatedCostUsd(0.0)
                .setStrongCostUsd(0.0)
                .setFallbackLevel(FallbackLevel.CLIENT_FALLBACK)
                .setFallbackReason(why + "; client heuristic: " + (goStrong ? strong : "no code, math or long text"))
                .setModelVersion("client-heuristic")
                .setModelRole("client")
                .setEventTimeMs(query.getEventTimeMs())
                .setDecidedAtMs(now)
                .setProcessingLatencyUs(0)
                .build();
    }
}
