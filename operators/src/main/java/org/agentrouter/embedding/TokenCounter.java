package org.agentrouter.embedding;

import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the tokens of a query for cost estimates with a real subword tokenizer (MiniLM's
 * WordPiece, shipped with the embedding model). The LLMs' own BPE tokenizers differ by a few percent
 * on English text; a character ratio is off by far more on code and non-English text.
 * Counting runs in Java ({@link WordPieceCounter}): through the native tokenizer it was the largest
 * single cost of a routing decision. One per task slot.
 */
public final class TokenCounter implements AutoCloseable {
    private final WordPieceCounter counter;

    public TokenCounter() {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(MiniLmEmbedder.FULL_TOKENIZER)) {
            if (in == null) {
                throw new IllegalStateException(MiniLmEmbedder.FULL_TOKENIZER + " is not on the classpath");
            }
            counter = WordPieceCounter.fromTokenizerJson(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot load the tokenizer: " + e.getMessage(), e);
        }
    }

    public int count(String text) {
        return counter.count(text);
    }

    @Override
    public void close() {
        // Nothing native to release any more; kept so that callers' try-with-resources stay valid.
    }
}
