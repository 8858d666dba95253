package org.agentrouter.features;

import java.util.regex.Pattern;

/** Cheap lexical signals of a query text, shared by the feature layout and the heuristic fallback. */
public final class TextSignals {
    private TextSignals() {}

    private static final Pattern CODE = Pattern.compile(
            "```|\\b(def|class|function|return|import|public static|#include|SELECT\\s+.+\\s+FROM|console\\.log|=>)\\b|[{};]\\s*$",
            Pattern.MULTILINE | Pattern.CASE_INSENSITIVE);
    private static final Pattern MATH = Pattern.compile(
            "\\\\(frac|sum|int|sqrt)|\\$[^$]+\\$|\\b(integral|derivative|equation|solve for|prove that|theorem|probability)\\b"
                    + "|\\d+\\s*[-+*/^=]\\s*\\d+",
            Pattern.CASE_INSENSITIVE);

    public static boolean looksLikeCode(String text) {
        return text != null && CODE.matcher(text).find();
    }

    public static boolean looksLikeMath(String text) {
        return text != null && MATH.matcher(text).find();
    }
}
