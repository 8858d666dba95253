package org.agentrouter.features;

import java.util.Locale;
import java.util.Set;

/**
 * The content words of a query, for {@link FeatureLayout#C_QUERY_COVERAGE}: lower case, stop words and question words
 * dropped, endings cut ({@link #stemLength}: "paintings" meets "painting" and "painted"), each word once. Then, per
 * memory, {@link #coverage} is the share of them its text holds, in one pass over the text's words without allocating.
 * One per task slot (reused per query), not thread-safe.
 */
public final class QueryTerms {
    /** Words a question is made of whatever it asks (and "s" of a split possessive). */
    private static final Set<String> STOP_WORDS = Set.of("a", "an", "the", "of", "to", "in", "on", "at", "for", "and",
            "or", "is", "are", "was", "were", "be", "been", "did", "does", "do", "what", "when", "where", "who", "whom",
            "which", "why", "how", "has", "have", "had", "with", "by", "from", "as", "that", "this", "it", "its", "he",
            "she", "they", "his", "her", "their", "would", "could", "should", "will", "can", "about", "some", "any",
            "kind", "kinds", "type", "types", "s", "i", "you", "we", "me", "my", "your", "our", "not", "no", "yes", "if",
            "than", "then", "so", "also", "both");
    /** Terms kept per query: a question rarely has more; the rest are ignored. */
    static final int MAX_TERMS = 32;

    private final String[] terms = new String[MAX_TERMS];
    private int size;
    /** Terms found in the current memory, one bit each. */
    private long found;

    /** Reads the query's terms (none for a null text). */
    public QueryTerms read(String text) {
        size = 0;
        if (text == null) return this;
        int n = Math.min(text.length(), ContextFeatures.SCANNED_CHARS);
        int i = 0;
        while (i < n && size < MAX_TERMS) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) i++;
            int start = i;
            while (i < n && Character.isLetterOrDigit(text.charAt(i))) i++;
            if (start == i) break;
            String word = text.substring(start, i).toLowerCase(Locale.ROOT);
            if (STOP_WORDS.contains(word)) continue;
            String term = word.substring(0, stemLength(word, 0, word.length()));
            boolean seen = false;
            for (int t = 0; t < size && !seen; t++) seen = terms[t].equals(term);
            if (!seen) terms[size++] = term;
        }
        return this;
    }

    public int size() {
        return size;
    }

    public String term(int t) {
        return terms[t];
    }

    /** Share of the query's terms among the words of {@code text} (its first SCANNED_CHARS), in [0, 1]; 0 without terms. */
    public float coverage(String text) {
        if (size == 0 || text == null) return 0f;
        found = 0L;
        int hits = 0;
        int n = Math.min(text.length(), ContextFeatures.SCANNED_CHARS);
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) i++;
            int start = i;
            while (i < n && Character.isLetterOrDigit(text.charAt(i))) i++;
            if (start == i) break;
            int len = stemLength(text, start, i - start);
            for (int t = 0; t < size; t++) {
                if ((found & (1L << t)) != 0 || terms[t].length() != len) continue;
                if (text.regionMatches(true, start, terms[t], 0, len)) {
                    found |= 1L << t;
                    hits++;
                }
            }
            if (hits == size) break;
        }
        return hits / (float) size;
    }

    /**
     * Length of the word text[start, start + len) without a plural s, then an -ing or -ed ending, then a final e (case
     * ignored): "paintings", "painting", "painted" and "paint" meet, as do "dances", "danced" and "dancing".
     */
    static int stemLength(String text, int start, int len) {
        int n = len;
        if (n > 3 && endsWith(text, start, n, "s") && !endsWith(text, start, n, "ss")) n--;
        if (n > 4 && endsWith(text, start, n, "ing")) n -= 3;
        else if (n > 3 && endsWith(text, start, n, "ed")) n -= 2;
        if (n > 3 && endsWith(text, start, n, "e")) n--;
        return n;
    }

    private static boolean endsWith(String text, int start, int len, String suffix) {
        return text.regionMatches(true, start + len - suffix.length(), suffix, 0, suffix.length());
    }
}
