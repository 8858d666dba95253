package org.agentrouter.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The pre-scans of {@link TextSignals} must never change an answer of the patterns they guard. */
class TextSignalsTest {
    /** Pieces that hit, nearly hit or miss every branch of both patterns, in several cases. */
    private static final List<String> PIECES = List.of(
            "def", "DEF", "define", "class", "Class", "classes", "function", "return", "returns", "import", "public static",
            "PUBLIC  STATIC", "#include", "select a from b", "SELECT", "FROM", "console.log", "console log", "=>", "= >",
            "```", "``", "{", "}", ";", "\n", "\r\n", "\t", " ", "  ", "\u000B", "\f", "x", "y", "the", "?", ".", ",",
            "\\frac", "\\sum", "\\int", "\\sqrt", "\\", "$", "$x$", "$$", "integral", "Integrals", "derivative", "equation",
            "solve for", "solve  for", "prove that", "theorem", "probability", "PROBABILITY", "3", "12", "0", "+", "-", "*",
            "/", "^", "=", "m/s", "3 + 4", "3+", "+4", "x^2", "2^x", "\u212A", "\u017F", "\u0131", "é", "日本", "😀");

    @Test
    void answersExactlyAsThePatternsOnRandomTexts() {
        SplittableRandom random = new SplittableRandom(7);
        for (int t = 0; t < 40_000; t++) {
            StringBuilder text = new StringBuilder();
            int pieces = random.nextInt(1, 9);
            for (int p = 0; p < pieces; p++) {
                text.append(PIECES.get(random.nextInt(PIECES.size())));
                if (random.nextInt(3) == 0) text.append(' ');
            }
            String s = text.toString();
            assertEquals(TextSignals.CODE.matcher(s).find(), TextSignals.looksLikeCode(s), () -> "code: [" + s + "]");
            assertEquals(TextSignals.MATH.matcher(s).find(), TextSignals.looksLikeMath(s), () -> "math: [" + s + "]");
        }
    }

    @Test
    void knownTexts() {
        assertTrue(TextSignals.looksLikeCode("Why does my `def foo():` return None"));
        assertTrue(TextSignals.looksLikeCode("int x = 1;"));
        assertTrue(TextSignals.looksLikeCode("SELECT name FROM users"));
        assertFalse(TextSignals.looksLikeCode("Define the classes of mammals"));
        assertTrue(TextSignals.looksLikeMath("Solve for x: 3x + 4 = 10"));
        assertTrue(TextSignals.looksLikeMath("what is 12*7"));
        assertTrue(TextSignals.looksLikeMath("compute $a^2$"));
        assertFalse(TextSignals.looksLikeMath("A ball is thrown upward at 12 m/s from a 20 m tall building."));
        assertFalse(TextSignals.looksLikeCode(null));
        assertFalse(TextSignals.looksLikeMath(null));
    }
}
