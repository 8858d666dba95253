package org.agentrouter.learning;

/**
 * The shape of a query text, as numbers a linear prior can weigh: how long it is in words and lines, how much of it
 * is digits, capitals or symbols, how long its words are, whether it asks a question and whether it negates
 * ("which is NOT", "all EXCEPT"). Language-light and cheap (one pass over the characters, no allocation); none of
 * them names a subject, so they carry over to subjects the prior never saw, as far as shape does.
 */
public final class QueryShape {
    private QueryShape() {}

    public static final int WIDTH = 8;
    public static final String[] NAMES = {"log_words", "digit_share", "upper_share", "symbol_share", "log_lines",
        "mean_word_length", "negation", "question_mark"};

    private static final String[] NEGATIONS = {"not", "except", "never", "false", "incorrect", "least"};

    /** Writes the {@link #WIDTH} signals of {@code text} into {@code out} from {@code at}. */
    public static void of(String text, double[] out, int at) {
        if (text == null) text = "";
        int n = text.length();
        int digits = 0, letters = 0, upper = 0, symbols = 0, lines = 1, words = 0, wordChars = 0;
        boolean question = false, negation = false;
        int wordStart = -1;
        for (int i = 0; i <= n; i++) {
            char c = i < n ? text.charAt(i) : ' ';
            boolean letter = Character.isLetter(c);
            if (letter || Character.isDigit(c)) {
                if (wordStart < 0) wordStart = i;
            } else if (wordStart >= 0) {
                words++;
                wordChars += i - wordStart;
                if (!negation && isNegation(text, wordStart, i)) negation = true;
                wordStart = -1;
            }
            if (i == n) break;
            if (letter) {
                letters++;
                if (Character.isUpperCase(c)) upper++;
            } else if (Character.isDigit(c)) {
                digits++;
            } else if (c == '\n') {
                lines++;
            } else if (!Character.isWhitespace(c)) {
                symbols++;
                if (c == '?') question = true;
            }
        }
        double chars = Math.max(1, n);
        out[at] = Math.log1p(words) / 5.0;
        out[at + 1] = digits / chars;
        out[at + 2] = letters == 0 ? 0 : upper / (double) letters;
        out[at + 3] = symbols / chars;
        out[at + 4] = Math.log1p(lines) / 3.0;
        out[at + 5] = words == 0 ? 0 : wordChars / (double) words / 10.0;
        out[at + 6] = negation ? 1 : 0;
        out[at + 7] = question ? 1 : 0;
    }

    private static boolean isNegation(String text, int from, int to) {
        int len = to - from;
        for (String w : NEGATIONS) {
            if (w.length() == len && text.regionMatches(true, from, w, 0, len)) return true;
        }
        return false;
    }
}
