package org.agentrouter.locomo;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;
import org.agentrouter.features.FeatureLayout;

/**
 * MiniLM vectors of a list of texts, cached on disk (by default under {@code ~/.cache/agent-router/locomo}, never
 * in the repository) in a file named by the sha256 of the texts, so a changed text list is embedded again.
 * Embedding the five shared conversations takes about a minute on one core; reading them back, milliseconds.
 */
public final class TextEmbeddings {
    private static final int DIM = FeatureLayout.EMBEDDING_DIM;

    private final Path dir;
    private final Function<String, float[]> embedder;

    /**
     * @param embedder one text's vector (MiniLmEmbedder::embed); called only when the texts are not in the cache
     */
    public TextEmbeddings(Path dir, Function<String, float[]> embedder) {
        this.dir = dir;
        this.embedder = embedder;
    }

    Function<String, float[]> embedder() {
        return embedder;
    }

    public static Path defaultDir() {
        return org.agentrouter.calibration.PromptEmbeddings.defaultCacheDir().resolve("locomo");
    }

    public float[][] embed(String label, List<String> texts) throws IOException {
        Path file = dir.resolve(label + "-" + hash(texts).substring(0, 16) + ".f32");
        if (Files.isRegularFile(file) && Files.size(file) == (long) texts.size() * DIM * Float.BYTES) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
            float[][] out = new float[texts.size()][DIM];
            for (float[] v : out) {
                for (int d = 0; d < DIM; d++) v[d] = b.getFloat();
            }
            return out;
        }
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < out.length; i++) out[i] = embedder.apply(texts.get(i));
        Files.createDirectories(dir);
        ByteBuffer b = ByteBuffer.allocate(texts.size() * DIM * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] v : out) for (float x : v) b.putFloat(x);
        Path tmp = Files.createTempFile(dir, label, ".tmp");
        Files.write(tmp, b.array());
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return out;
    }

    static String hash(List<String> texts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String t : texts) {
                sha.update(t.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
