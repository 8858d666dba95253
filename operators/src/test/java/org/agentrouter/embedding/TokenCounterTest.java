package org.agentrouter.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenCounterTest {
    @Test
    void countsWhatTheFullEncodingCounts() {
        String[] texts = {
            "What is 2+2?",
            "A ball is thrown upward at 12 m/s from a 20 m tall building. How long until it hits the ground?",
            "def f(x):\n    return {k: v for k, v in x.items() if v is not None}  # dict comprehension",
            "Wie viele Einwohner hat München? Und Zürich?",
            "量子コンピュータの誤り訂正について説明してください",
            "SELECT name, COUNT(*) FROM users u JOIN orders o ON o.user_id = u.id GROUP BY name HAVING COUNT(*) > 3;",
            "x".repeat(2_000)
        };
        try (TokenCounter counter = new TokenCounter()) {
            for (String text : texts) {
                int n = counter.count(text);
                assertTrue(n > 0, text);
                assertEquals(counter.countThroughFullEncoding(text), n, text);
            }
            assertEquals(0, counter.count(null));
        }
    }
}
