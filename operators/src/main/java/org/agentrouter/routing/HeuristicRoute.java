package org.agentrouter.routing;

import org.agentrouter.features.TextSignals;

/**
 * The second fallback level: a route from the query alone, for when the scorer cannot answer.
 * Code, mathematics and long texts are where cheap models fail most, so they go strong.
 */
public final class HeuristicRoute {
    /** Characters beyond which a query counts as long (a long passage plus a question). */
    public static final int LONG_QUERY_CHARS = 1500;

    /** Plain questions shorter than this are safe for the cheap route without other evidence. */
    public static final int SHORT_QUERY_CHARS = 300;

    private HeuristicRoute() {}

    /** A route from the query alone, or null when the text gives no clear signal either way. */
    public record Opinion(boolean strong, String reason) {}

    public static Opinion opinion(String text, String[] tags) {
        String strong = strongReason(text, tags);
        if (strong != null) return new Opinion(true, strong);
        if (text != null && !text.isBlank() && text.length() < SHORT_QUERY_CHARS) {
            return new Opinion(false, "short plain query (" + text.length() + " chars)");
        }
        return null;
    }

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
