package org.agentrouter.routing;

import org.agentrouter.features.TextSignals;

/**
 * The second fallback level: a route from the query alone, for when the scorer cannot answer.
 * Code, mathematics and long texts are where cheap models fail most, so they go strong.
 */
public final class HeuristicRoute {
    /** Characters beyond which a query counts as long (a long passage plus a question). */
    public static final int LONG_QUERY_CHARS = 1500;

    private HeuristicRoute() {}

    /** @return the reason for the strong route, or null when the cheap route will do */
    public static String strongReason(String text, String[] tags) {
        if (TextSignals.looksLikeCode(text)) return "code in the query";
        if (TextSignals.looksLikeMath(text)) return "mathematics in the query";
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
}
