package org.agentrouter.features;

import java.util.regex.Pattern;

/**
 * Cheap lexical signals of a query text, shared by the feature layout and the heuristic fallback.
 *
 * <p>The patterns below define the signals. Running them costs about 10 us each on a one-sentence
 * question (an alternation of words tried at every position), half of the in-operator path, while
 * most questions contain none of their literals. So each check first scans the text once for what a
 * match cannot do without (a keyword, a marker character, a digit-operator-digit run) and runs the
 * pattern only when one is there: same answers, and the pattern runs only for texts that may match.
 */
public final class TextSignals {
    private TextSignals() {}

    static final Pattern CODE = Pattern.compile(
            "```|\\b(def|class|function|return|import|public static|#include|SELECT\\s+.+\\s+FROM|console\\.log|=>)\\b|[{};]\\s*$",
            Pattern.MULTILINE | Pattern.CASE_INSENSITIVE);
    static final Pattern MATH = Pattern.compile(
            "\\\\(frac|sum|int|sqrt)|\\$[^$]+\\$|\\b(integral|derivative|equation|solve for|prove that|theorem|probability)\\b"
                    + "|\\d+\\s*[-+*/^=]\\s*\\d+",
            Pattern.CASE_INSENSITIVE);

    /** Every literal a CODE match contains at least one of (lower case; matched ignoring case). */
    private static final String[] CODE_LITERALS = {
        "```", "def", "class", "function", "return", "import", "public static", "#include", "select", "console.log", "=>",
        "{", "}", ";"
    };
    /** Every literal a MATH match contains at least one of, apart from its digit-operator-digit branch. */
    private static final String[] MATH_LITERALS = {
        "\\", "$", "integral", "derivative", "equation", "solve for", "prove that", "theorem", "probability"
    };

    public static boolean looksLikeCode(String text) {
        return text != null && containsAnyIgnoreCase(text, CODE_LITERALS) && CODE.matcher(text).find();
    }

    public static boolean looksLikeMath(String text) {
        if (text == null) return false;
        if (hasDigitOperatorDigit(text)) return true; // that branch of MATH, decided exactly
        return containsAnyIgnoreCase(text, MATH_LITERALS) && MATH.matcher(text).find();
    }

    /**
     * Whether any literal occurs in the text, ignoring case. {@link String#regionMatches(boolean, int,
     * String, int, int)} folds case at least as widely as the patterns' ASCII-only CASE_INSENSITIVE, so
     * this never says no where a pattern could match.
     */
    static boolean containsAnyIgnoreCase(String text, String[] literals) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            // ASCII: compare the first character cheaply. Others (e.g. the Kelvin sign folds to 'k') go
            // straight to regionMatches, which folds them as it folds the rest.
            char lower = c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
            for (String literal : literals) {
                if ((c >= 128 || literal.charAt(0) == lower) && i + literal.length() <= n
                        && text.regionMatches(true, i, literal, 0, literal.length())) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The branch {@code \d+\s*[-+*\/^=]\s*\d+} of MATH without the regex engine: a run of ASCII digits
     * ({@code \d} without UNICODE_CHARACTER_CLASS), optional whitespace ({@code \s}: space, \t, \n, \x0B,
     * \f, \r), one operator, optional whitespace, a digit. Backtracking into the first run cannot help:
     * a digit is neither whitespace nor an operator.
     */
    static boolean hasDigitOperatorDigit(String text) {
        int n = text.length();
        for (int i = 1; i < n; i++) {
            if (!isDigit(text.charAt(i - 1)) || isDigit(text.charAt(i))) continue; // i: just after a digit run
            int j = skipWhitespace(text, i);
            if (j < n && isOperator(text.charAt(j))) {
                int k = skipWhitespace(text, j + 1);
                if (k < n && isDigit(text.charAt(k))) return true;
            }
        }
        return false;
    }

    private static int skipWhitespace(String text, int from) {
        int j = from;
        while (j < text.length() && isRegexWhitespace(text.charAt(j))) j++;
        return j;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isRegexWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static boolean isOperator(char c) {
        return c == '-' || c == '+' || c == '*' || c == '/' || c == '^' || c == '=';
    }
}
