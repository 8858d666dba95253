package org.agentrouter.embedding;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * Counts the tokens of a query for cost estimates with a real subword tokenizer (MiniLM's
 * WordPiece, shipped with the embedding model). The LLMs' own BPE tokenizers differ by a few percent
 * on English text; a character ratio is off by far more on code and non-English text.
 * One per task slot; not thread-safe.
 */
public final class TokenCounter implements AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;

    public TokenCounter() {
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(MiniLmEmbedder.FULL_TOKENIZER)) {
            if (in == null) {
                throw new IllegalStateException(MiniLmEmbedder.FULL_TOKENIZER + " is not on the classpath");
            }
            tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of("truncation", "false", "padding", "false"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot load the tokenizer: " + e.getMessage(), e);
        }
    }

    public int count(String text) {
        if (text == null || text.isEmpty()) return 0;
        return tokenizer.encode(text, false, false).getIds().length;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
