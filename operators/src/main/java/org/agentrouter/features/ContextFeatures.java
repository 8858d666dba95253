package org.agentrouter.features;

import static org.agentrouter.features.FeatureLayout.*;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import org.agentrouter.memory.CandidateSet;

/**
 * Fills the context columns of {@link FeatureLayout} version 2 ({@link FeatureLayout#C_LEXICAL} to
 * {@link FeatureLayout#C_TEXT_LENGTH}): how a memory relates to the query's words, names and time, and to the
 * other candidates of its session. Everything comes from the candidate set (texts, BM25 scores and ranks from
 * {@code HybridSearch}) and the query's {@link QuerySignals}: no I/O and no model, a few microseconds per
 * candidate. Evidence of a question clusters in sessions (a conversation comes back to a topic), hence the
 * session columns. One per task slot (it reuses its buffers), not thread-safe.
 */
public final class ContextFeatures {
    private static final double LOG_LENGTH_SATURATION = Math.log1p(1000);
    /** Characters of a memory's text the word scans read (as much as the lexical index analyses): bounded per candidate. */
    static final int SCANNED_CHARS = org.agentrouter.memory.lexical.LexicalIndex.MAX_TEXT_CHARS;
    private static final String[] TIME_WORDS = {"yesterday", "today", "tomorrow", "tonight", "ago", "last", "next",
            "weekend", "week", "month", "year", "recently", "monday", "tuesday", "wednesday", "thursday", "friday",
            "saturday", "sunday", "morning", "evening", "night", "since", "earlier"};

    private final QuerySignals signals = new QuerySignals();
    /** Session id -> index into the per-session arrays; cleared per query. */
    private final Map<String, Integer> sessionIndex = new HashMap<>();
    private final int[] sessionOf = new int[MAX_CANDIDATES];
    private final float[] best = new float[MAX_CANDIDATES];
    private final float[] second = new float[MAX_CANDIDATES];
    private final float[] bestLexical = new float[MAX_CANDIDATES];
    private final float[] secondLexical = new float[MAX_CANDIDATES];
    private final int[] count = new int[MAX_CANDIDATES];

    /** The signals of the last query filled (for tests and reports). */
    public QuerySignals signals() {
        return signals;
    }

    /**
     * @param out the candidate rows FeatureAssembler filled ([MAX_CANDIDATES * CANDIDATE_WIDTH]); the context
     *            columns of the first {@code n} rows are written
     */
    public void fill(CandidateSet c, int n, String queryText, float[] out) {
        signals.read(queryText);
        float topSimilarity = Float.NEGATIVE_INFINITY;
        float topLexical = 0f;
        for (int i = 0; i < n; i++) {
            topSimilarity = Math.max(topSimilarity, c.similarity[i]);
            topLexical = Math.max(topLexical, c.lexicalScore[i]);
        }
        sessions(c, n, topLexical);
        float queryNames = signals.names.isEmpty() ? 0f : 1f;
        float temporal = signals.temporal ? 1f : 0f;
        for (int i = 0; i < n; i++) {
            int row = i * CANDIDATE_WIDTH;
            float lexical = topLexical > 0 ? c.lexicalScore[i] / topLexical : 0f;
            out[row + C_LEXICAL] = lexical;
            out[row + C_LEXICAL_RANK] = c.lexicalRank[i] >= 0 ? 10f / (10f + c.lexicalRank[i]) : 0f;
            out[row + C_DENSE_RANK] = c.denseRank[i] >= 0 ? 10f / (10f + c.denseRank[i]) : 0f;
            out[row + C_SIMILARITY_GAP] = c.similarity[i] - topSimilarity;
            String text = c.text[i];
            out[row + C_ENTITY_OVERLAP] = entityOverlap(text);
            out[row + C_QUERY_NAMES] = queryNames;
            int s = sessionOf[i];
            if (s < 0 || count[s] < 2) {
                out[row + C_SESSION_SIMILARITY] = -1f;
                out[row + C_SESSION_LEXICAL] = 0f;
                out[row + C_SESSION_SHARE] = 0f;
            } else {
                // The best of the others: the session's best unless that is this row.
                float other = c.similarity[i] == best[s] ? second[s] : best[s];
                out[row + C_SESSION_SIMILARITY] = other - topSimilarity;
                out[row + C_SESSION_LEXICAL] = lexical == bestLexical[s] ? secondLexical[s] : bestLexical[s];
                out[row + C_SESSION_SHARE] = (count[s] - 1) / (float) MAX_CANDIDATES;
            }
            long at = c.createdAtMs[i];
            out[row + C_TIME_MATCH] = signals.hasTime() && at > 0 && timeMatches(at) ? 1f : 0f;
            out[row + C_QUERY_TEMPORAL] = temporal;
            out[row + C_MEMORY_TIME_WORDS] = hasTimeWords(text) ? 1f : 0f;
            int length = text == null ? 0 : text.length();
            out[row + C_TEXT_LENGTH] = (float) Math.min(1.0, Math.log1p(length) / LOG_LENGTH_SATURATION);
            neighbours(c, n, i, topSimilarity, topLexical, out, row);
        }
    }

    /** The best neighbour of row i among the candidates (same session, close in time). O(n) per row. */
    private void neighbours(CandidateSet c, int n, int i, float topSimilarity, float topLexical, float[] out, int row) {
        int s = sessionOf[i];
        float bestSim = Float.NEGATIVE_INFINITY;
        float bestLex = 0f;
        if (s >= 0 && count[s] > 1 && c.createdAtMs[i] > 0) {
            for (int j = 0; j < n; j++) {
                if (j == i || sessionOf[j] != s || Math.abs(c.createdAtMs[j] - c.createdAtMs[i]) > NEIGHBOUR_WINDOW_MS) continue;
                bestSim = Math.max(bestSim, c.similarity[j]);
                if (topLexical > 0) bestLex = Math.max(bestLex, c.lexicalScore[j] / topLexical);
            }
        }
        out[row + C_NEIGHBOUR_SIMILARITY] = bestSim == Float.NEGATIVE_INFINITY ? -1f : bestSim - topSimilarity;
        out[row + C_NEIGHBOUR_LEXICAL] = bestLex;
    }

    /** Per session among the candidates: the best and second-best similarity and lexical score, and the count. */
    private void sessions(CandidateSet c, int n, float topLexical) {
        sessionIndex.clear();
        int sessions = 0;
        for (int i = 0; i < n; i++) {
            String id = c.sessionId[i];
            if (id == null) {
                sessionOf[i] = -1;
                continue;
            }
            Integer s = sessionIndex.get(id);
            if (s == null) {
                s = sessions++;
                sessionIndex.put(id, s);
                best[s] = second[s] = Float.NEGATIVE_INFINITY;
                bestLexical[s] = secondLexical[s] = 0f;
                count[s] = 0;
            }
            sessionOf[i] = s;
            count[s]++;
            float sim = c.similarity[i];
            if (sim > best[s]) {
                second[s] = best[s];
                best[s] = sim;
            } else if (sim > second[s]) {
                second[s] = sim;
            }
            float lex = topLexical > 0 ? c.lexicalScore[i] / topLexical : 0f;
            if (lex > bestLexical[s]) {
                secondLexical[s] = bestLexical[s];
                bestLexical[s] = lex;
            } else if (lex > secondLexical[s]) {
                secondLexical[s] = lex;
            }
        }
    }

    private float entityOverlap(String text) {
        if (signals.names.isEmpty() || text == null) return 0f;
        int found = 0;
        for (String name : signals.names) if (containsWord(text, name)) found++;
        return found / (float) signals.names.size();
    }

    private boolean timeMatches(long atMs) {
        ZonedDateTime t = Instant.ofEpochMilli(atMs).atZone(ZoneOffset.UTC);
        if (signals.year > 0 && t.getYear() != signals.year) return false;
        return signals.month <= 0 || t.getMonthValue() == signals.month;
    }

    /** Time words by length, for {@link #hasTimeWords}'s one pass over the text. */
    private static final char[][][] TIME_WORDS_BY_LENGTH = byLength();

    private static char[][][] byLength() {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(TIME_WORDS));
        all.addAll(java.util.List.of(QuerySignals.MONTHS));
        int longest = 0;
        for (String w : all) longest = Math.max(longest, w.length());
        char[][][] out = new char[longest + 1][][];
        for (int len = 0; len <= longest; len++) {
            final int l = len;
            out[len] = all.stream().filter(w -> w.length() == l).map(String::toCharArray).toArray(char[][]::new);
        }
        return out;
    }

    /**
     * Whether the text holds a time expression: a word of {@link #TIME_WORDS} or a month name, or a year
     * (19xx, 20xx). One pass over the text's words, comparing each only with the time words of its length.
     */
    static boolean hasTimeWords(String text) {
        if (text == null) return false;
        int n = Math.min(text.length(), SCANNED_CHARS);
        int i = 0;
        while (i < n) {
            while (i < n && !Character.isLetterOrDigit(text.charAt(i))) i++;
            int start = i;
            while (i < n && Character.isLetterOrDigit(text.charAt(i))) i++;
            int len = i - start;
            if (len == 4 && (text.startsWith("19", start) || text.startsWith("20", start))
                    && Character.isDigit(text.charAt(start + 2)) && Character.isDigit(text.charAt(start + 3))) {
                return true;
            }
            if (len >= TIME_WORDS_BY_LENGTH.length) continue;
            for (char[] w : TIME_WORDS_BY_LENGTH[len]) {
                int k = 0;
                while (k < len && Character.toLowerCase(text.charAt(start + k)) == w[k]) k++;
                if (k == len) return true;
            }
        }
        return false;
    }

    /** Whether {@code text} holds {@code word} (lower case) as a whole word, ignoring case; allocates nothing. */
    static boolean containsWord(String text, String word) {
        int n = Math.min(text.length(), SCANNED_CHARS);
        int w = word.length();
        for (int i = 0; i + w <= n; i++) {
            if (text.regionMatches(true, i, word, 0, w)
                    && (i == 0 || !Character.isLetterOrDigit(text.charAt(i - 1)))
                    && (i + w == n || !Character.isLetterOrDigit(text.charAt(i + w)) || text.startsWith("'s", i + w))) {
                return true;
            }
        }
        return false;
    }
}
