package org.agentrouter.embedding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import org.agentrouter.features.FeatureLayout;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Our direct ONNX Runtime MiniLM against langchain4j's reference pipeline for the same model. */
class MiniLmEmbedderTest {
    private static MiniLmEmbedder embedder;

    @BeforeAll
    static void load() {
        embedder = new MiniLmEmbedder();
    }

    @AfterAll
    static void close() {
        embedder.close();
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    @Test
    void reproducesTheReferenceVectors() {
        AllMiniLmL6V2EmbeddingModel reference = new AllMiniLmL6V2EmbeddingModel();
        for (String text : new String[] {"How do I reset my password?",
                "Prove that the square root of two is irrational.", "def f(x):\n    return x ** 2"}) {
            float[] ours = embedder.embed(text);
            float[] theirs = reference.embed(text).content().vector();
            assertEquals(FeatureLayout.EMBEDDING_DIM, ours.length);
            assertEquals(1.0, dot(ours, ours), 1e-4);
            assertTrue(dot(ours, theirs) > 0.999, "cosine to the reference for '" + text + "': " + dot(ours, theirs));
        }
    }

    @Test
    void similarQuestionsAreCloserThanUnrelatedOnes() {
        float[] a = embedder.embed("How can I change the password of my account?");
        float[] b = embedder.embed("I forgot my password, how do I reset it?");
        float[] c = embedder.embed("What is the capital of Kenya?");
        assertTrue(dot(a, b) > dot(a, c) + 0.2, dot(a, b) + " vs " + dot(a, c));
    }

    private static final String[] TEXTS = {"How do I reset my password?", "Prove that the square root of two is irrational.",
            "def f(x):\n    return x ** 2", "What is the capital of Kenya?", "Summarise the attached quarterly report in three bullet points."};

    @Test
    void batchedVectorsEqualOneByOne() {
        float[][] batch = embedder.embedBatch(java.util.List.of(TEXTS));
        assertEquals(TEXTS.length, batch.length);
        for (int i = 0; i < TEXTS.length; i++) {
            float[] single = embedder.embed(TEXTS[i]);
            for (int d = 0; d < single.length; d++) {
                // Padding is masked out of the pooling, but the padded attention changes float rounding slightly.
                assertEquals(single[d], batch[i][d], 2e-4, "text " + i + " dim " + d);
            }
        }
    }

    @Test
    void quantizedModelStaysCloseToTheFullOne() {
        try (MiniLmEmbedder quantized = new MiniLmEmbedder(MiniLmEmbedder.Variant.QUANTIZED)) {
            float[] nearA = quantized.embed("How can I change the password of my account?");
            float[] nearB = embedder.embed("I forgot my password, how do I reset it?");
            float[] far = embedder.embed("What is the capital of Kenya?");
            // A quantized query must still find full-model memories: near stays near, far stays far.
            assertTrue(dot(nearA, nearB) > dot(nearA, far) + 0.2, dot(nearA, nearB) + " vs " + dot(nearA, far));
            for (String text : TEXTS) {
                float[] q = quantized.embed(text);
                assertEquals(1.0, dot(q, q), 1e-4);
                double cosine = dot(q, embedder.embed(text));
                assertTrue(cosine > 0.95 && cosine < 0.99999, "cosine of quantized to full for '" + text + "': " + cosine);
            }
        }
    }

    @Test
    void variantNamesAreParsedAndWrongOnesRefused() {
        assertEquals(MiniLmEmbedder.Variant.QUANTIZED, MiniLmEmbedder.Variant.parse(" Quantized"));
        assertEquals(MiniLmEmbedder.Variant.FULL, MiniLmEmbedder.Variant.parse("full"));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> MiniLmEmbedder.Variant.parse("int4"));
        assertEquals("embedder must be full or quantized, got int4", e.getMessage());
    }

    @Test
    void countsWordPieces() {
        try (TokenCounter counter = new TokenCounter()) {
            assertEquals(0, counter.count(""));
            int n = counter.count("unbelievably tokenizable");
            assertTrue(n > 2, "subword pieces, not words: " + n);
            assertEquals(n, embedder.countTokens("unbelievably tokenizable"));
        }
    }
}
