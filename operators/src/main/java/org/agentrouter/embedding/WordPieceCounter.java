package org.agentrouter.embedding;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Counts the tokens a BERT WordPiece tokenizer ({@code tokenizer.json} with BertNormalizer,
 * BertPreTokenizer and a WordPiece model, as MiniLM ships it) produces for a text, without special
 * tokens, in plain Java. The routing stage counts every query's tokens for its cost estimate; through
 * the native tokenizer (JNI) that was the largest single cost of a decision: JMH on a 30-word question,
 * same machine and load, 131 us native against 45 us here (BENCHMARKS.md). TokenCounterTest checks
 * that both count the same on a broad generated corpus.
 *
 * <p>The steps are the tokenizer's own: split off the special tokens written literally in the text;
 * clean (drop control characters, map whitespace to a space), isolate CJK ideographs, strip accents
 * (NFD, drop non-spacing marks), lowercase; split on whitespace and isolate punctuation; then for each
 * word the greedy longest-match-first WordPiece, where a word with no full segmentation (or longer
 * than the model's limit) counts as one unknown token. Thread-safe once built.
 */
public final class WordPieceCounter {
    private final Set<String> vocab;
    private final String continuingPrefix;
    private final int maxCharsPerWord;
    private final int longestPiece;
    private final List<String> specialTokens;
    private final boolean lowercase;

    private WordPieceCounter(Set<String> vocab, String continuingPrefix, int maxCharsPerWord,
                             List<String> specialTokens, boolean lowercase) {
        this.vocab = vocab;
        this.continuingPrefix = continuingPrefix;
        this.maxCharsPerWord = maxCharsPerWord;
        this.specialTokens = specialTokens;
        this.lowercase = lowercase;
        this.longestPiece = vocab.stream().mapToInt(s -> s.codePointCount(0, s.length())).max().orElse(1);
    }

    /** @throws IOException when the file is not a BERT WordPiece tokenizer.json */
    public static WordPieceCounter fromTokenizerJson(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        JsonNode model = root.path("model");
        JsonNode normalizer = root.path("normalizer");
        if (!"WordPiece".equals(model.path("type").asText()) || !"BertNormalizer".equals(normalizer.path("type").asText())
                || !"BertPreTokenizer".equals(root.path("pre_tokenizer").path("type").asText())) {
            throw new IOException("not a BERT WordPiece tokenizer (model " + model.path("type").asText() + ", normalizer "
                    + normalizer.path("type").asText() + ")");
        }
        if (!normalizer.path("clean_text").asBoolean() || !normalizer.path("handle_chinese_chars").asBoolean()
                || !(normalizer.path("strip_accents").isNull() || normalizer.path("strip_accents").asBoolean()
                     == normalizer.path("lowercase").asBoolean())) {
            throw new IOException("unsupported BertNormalizer settings: " + normalizer);
        }
        Set<String> vocab = new HashSet<>();
        model.path("vocab").fieldNames().forEachRemaining(vocab::add);
        List<String> special = new ArrayList<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (t.path("normalized").asBoolean() || t.path("single_word").asBoolean() || t.path("lstrip").asBoolean()
                    || t.path("rstrip").asBoolean()) {
                throw new IOException("unsupported added token " + t);
            }
            special.add(t.path("content").asText());
        }
        return new WordPieceCounter(vocab, model.path("continuing_subword_prefix").asText("##"),
                model.path("max_input_chars_per_word").asInt(100), special, normalizer.path("lowercase").asBoolean());
    }

    public int count(String text) {
        if (text == null || text.isEmpty()) return 0;
        int tokens = 0;
        int from = 0;
        while (true) {
            int at = -1;
            String found = null;
            for (String s : specialTokens) {
                int i = text.indexOf(s, from);
                if (i >= 0 && (at < 0 || i < at || (i == at && s.length() > found.length()))) {
                    at = i;
                    found = s;
                }
            }
            if (at < 0) {
                return tokens + countPlain(text.substring(from));
            }
            tokens += countPlain(text.substring(from, at)) + 1;
            from = at + found.length();
        }
    }

    private int countPlain(String text) {
        if (text.isEmpty()) return 0;
        String normalized = normalize(text);
        int tokens = 0;
        int n = normalized.length();
        int wordStart = -1;
        for (int i = 0; i < n; ) {
            int cp = normalized.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isWhitespace(cp) || isPunctuation(cp)) {
                if (wordStart >= 0) {
                    tokens += wordPieces(normalized.substring(wordStart, i));
                    wordStart = -1;
                }
                if (!isWhitespace(cp)) {
                    tokens += wordPieces(normalized.substring(i, next));
                }
            } else if (wordStart < 0) {
                wordStart = i;
            }
            i = next;
        }
        if (wordStart >= 0) tokens += wordPieces(normalized.substring(wordStart));
        return tokens;
    }

    private String normalize(String text) {
        StringBuilder b = new StringBuilder(text.length() + 8);
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
            if (isWhitespace(cp)) {
                b.append(' ');
            } else if (isCjk(cp)) {
                b.append(' ').appendCodePoint(cp).append(' ');
            } else {
                b.appendCodePoint(cp);
            }
        }
        String s = b.toString();
        if (lowercase) {
            s = stripAccents(s).toLowerCase(Locale.ROOT);
        }
        return s;
    }

    private static String stripAccents(String s) {
        boolean ascii = true;
        for (int i = 0; i < s.length() && ascii; i++) ascii = s.charAt(i) < 0x80;
        if (ascii) return s; // nothing to decompose: the common case stays allocation-light
        String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
        StringBuilder b = new StringBuilder(nfd.length());
        for (int i = 0; i < nfd.length(); ) {
            int cp = nfd.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.getType(cp) != Character.NON_SPACING_MARK) b.appendCodePoint(cp);
        }
        return b.toString();
    }

    /** Greedy longest-match-first over one word; an unsegmentable or overlong word is one unknown token. */
    private int wordPieces(String word) {
        int chars = word.codePointCount(0, word.length());
        if (chars > maxCharsPerWord) return 1;
        int pieces = 0;
        int start = 0;
        int len = word.length();
        while (start < len) {
            int end = Math.min(len, word.offsetByCodePoints(start, Math.min(longestPiece, word.codePointCount(start, len))));
            boolean matched = false;
            while (end > start) {
                String piece = word.substring(start, end);
                if (vocab.contains(start > 0 ? continuingPrefix + piece : piece)) {
                    matched = true;
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (!matched) return 1;
            pieces++;
            start = end;
        }
        return pieces;
    }

    /** Unicode White_Space (what the tokenizer's Rust code tests), tab, newline and carriage return included. */
    static boolean isWhitespace(int cp) {
        switch (cp) {
            case 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
                return true;
            default:
                return cp >= 0x2000 && cp <= 0x200A;
        }
    }

    /** Unicode "Other" categories (Cc, Cf, Cn, Co, Cs) except tab, newline and carriage return. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE, Character.SURROGATE:
                return true;
            default:
                return false;
        }
    }

    /** ASCII punctuation (which includes $+<=>^`|~) or any Unicode punctuation category. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION:
                return true;
            default:
                return false;
        }
    }

    /** The CJK ideograph blocks BERT isolates as single words. */
    static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }
}
