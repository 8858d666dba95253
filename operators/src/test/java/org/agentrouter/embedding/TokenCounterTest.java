package org.agentrouter.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The Java WordPiece count against the native Hugging Face tokenizer on the same tokenizer.json. */
class TokenCounterTest {
    private static final String[] FIXED = {
        "What is 2+2?",
        "A ball is thrown upward at 12 m/s from a 20 m tall building. How long until it hits the ground?",
        "def f(x):\n    return {k: v for k, v in x.items() if v is not None}  # dict comprehension",
        "Wie viele Einwohner hat München? Und Zürich? Ça coûte 5 €, naïve café, ﬁne ligature",
        "量子コンピュータの誤り訂正について説明してください 中文字符 한국어 텍스트",
        "SELECT name, COUNT(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY name HAVING COUNT(*) > 3;",
        "emoji 😀👍🏽 and zero\u200Bwidth, nbsp\u00A0here, tab\there, bell\u0007, replacement\uFFFD, nul\u0000",
        "literal specials [CLS] in [SEP] text [MASK][UNK] [PAD]x",
        "supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
        "x".repeat(150) + " " + "ab".repeat(60),
        "Ελληνικά ΣΟΦΙΑ σοφία, русский текст, עברית, العربية, हिन्दी",
        "İstanbul ǅemal ß ẞ Å Ω K",
        "  leading and trailing   \n\n ",
        "\u2028\u2029\u3000\u205F\u1680\u0085 separators",
    };

    /** Pieces from which random texts are built: words, subwords, punctuation, digits, scripts, oddities. */
    private static final String[] PARTS = {
        "the", "question", "answer", "tokenization", "unbelievably", "Flink", "Kafka", "ONNX", "p99", "3.14159",
        "x^2", "∑", "√", "≤", "→", "«", "»", "—", "–", "…", "\"", "'", "(", ")", "[", "]", "{", "}", "<", ">", "=",
        "+", "-", "*", "/", "\\", "|", "_", "~", "`", "$", "#", "@", "!", "?", ",", ".", ";", ":", "é", "e\u0301",
        "ñ", "Ü", "ø", "中", "文", "の", "カ", "한", "д", "ж", "😀", "\uD835\uDC00", "\u200D", "\u00AD", "[CLS]",
        "[SEP", "MASK]", " ", " ", " ", "  ", "\n", "\t", "\r\n", "\u00A0", "ſ", "ǆ", "Ⅻ", "½", "²", "①",
        "http://example.com/a?b=c", "user_id", "camelCaseWord", "SHOUTING", "dont", "don't", "o'clock",
    };

    @Test
    void countsExactlyWhatTheNativeTokenizerCounts() throws Exception {
        List<String> texts = new ArrayList<>(List.of(FIXED));
        SplittableRandom random = new SplittableRandom(2026);
        for (int t = 0; t < 3_000; t++) {
            StringBuilder b = new StringBuilder();
            int parts = random.nextInt(1, 40);
            for (int p = 0; p < parts; p++) {
                b.append(PARTS[random.nextInt(PARTS.length)]);
                if (random.nextInt(3) > 0) b.append(' ');
            }
            texts.add(b.toString());
        }
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(MiniLmEmbedder.FULL_TOKENIZER);
             HuggingFaceTokenizer nativeTokenizer = HuggingFaceTokenizer.newInstance(in,
                     Map.of("truncation", "false", "padding", "false"));
             TokenCounter counter = new TokenCounter()) {
            int compared = 0;
            for (String text : texts) {
                int expected = nativeTokenizer.encode(text, false, false).getIds().length;
                assertEquals(expected, counter.count(text), () -> "token count of <" + text + ">");
                compared++;
            }
            assertEquals(texts.size(), compared);
            assertTrue(counter.count(FIXED[1]) > 20);
            assertEquals(0, counter.count(""));
            assertEquals(0, counter.count(null));
        }
    }
}
