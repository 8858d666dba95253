package org.agentrouter.features;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the context features need to know about a query's text, read once per query: the names it mentions
 * (capitalised words past the first, possessives stripped), the month and year it names, and whether it asks
 * for a time. Plain character scans, no regular expressions and no allocation beyond the names: a few
 * microseconds per query. Reusable: {@link #read} refills it.
 */
public final class QuerySignals {
    static final String[] MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august",
            "september", "october", "november", "december"};
    /** Capitalised words that are not names: question words, pronouns, auxiliaries at a clause start. */
    private static final Set<String> NOT_NAMES = Set.of("what", "when", "where", "who", "whom", "whose", "which", "why",
            "how", "did", "does", "do", "is", "are", "was", "were", "has", "have", "had", "can", "could", "would", "will",
            "should", "i", "i'm", "i've", "the", "a", "an", "in", "on", "at", "and", "or", "but", "if", "my", "his",
            "her", "their", "our", "your", "it", "he", "she", "they", "we", "you", "of", "for", "to", "as", "by",
            "after", "before", "since", "during", "besides", "apart", "other", "than", "both", "also", "according",
            "considering", "based", "given");

    /** Lower-case names, without possessive 's. */
    public final List<String> names = new ArrayList<>(8);
    /** 1-12 when the query names a month, else 0. */
    public int month;
    /** The year the query names (1900-2099), else 0. */
    public int year;
    public boolean temporal;

    public QuerySignals read(String text) {
        names.clear();
        month = 0;
        year = 0;
        temporal = false;
        if (text == null) return this;
        int n = text.length();
        int word = 0;
        int i = 0;
        String previous = null;
        while (i < n) {
            while (i < n && !isWordChar(text.charAt(i))) i++;
            int start = i;
            while (i < n && (isWordChar(text.charAt(i)) || (text.charAt(i) == '\'' && i + 1 < n && Character.isLetter(text.charAt(i + 1))))) i++;
            if (start == i) break;
            String raw = text.substring(start, i);
            String lower = raw.toLowerCase(Locale.ROOT);
            if (lower.endsWith("'s")) lower = lower.substring(0, lower.length() - 2);
            // "may" is a month only when capitalised (else the verb).
            int m = lower.equals("may") && !Character.isUpperCase(raw.charAt(0)) ? 0 : monthOf(lower);
            if (m > 0) {
                month = m;
            } else if (raw.length() == 4 && isYear(raw)) {
                year = Integer.parseInt(raw);
            } else if (word > 0 && Character.isUpperCase(raw.charAt(0)) && !NOT_NAMES.contains(lower) && lower.length() > 1
                    && !names.contains(lower)) {
                names.add(lower);
            }
            if (word == 0 && lower.equals("when")) temporal = true;
            if (previous != null) {
                if ((previous.equals("what") || previous.equals("which")) && (lower.equals("year") || lower.equals("month")
                        || lower.equals("date") || lower.equals("day") || lower.equals("time") || lower.equals("week"))) {
                    temporal = true;
                }
                if (previous.equals("how") && lower.equals("long")) temporal = true;
            }
            previous = lower;
            word++;
        }
        return this;
    }

    public boolean hasTime() {
        return month > 0 || year > 0;
    }

    static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c);
    }

    static int monthOf(String lower) {
        for (int m = 0; m < MONTHS.length; m++) {
            if (MONTHS[m].equals(lower)) return m + 1;
        }
        return 0;
    }

    static boolean isYear(String s) {
        for (int k = 0; k < 4; k++) if (!Character.isDigit(s.charAt(k))) return false;
        return (s.startsWith("19") || s.startsWith("20"));
    }
}
