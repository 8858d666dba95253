package org.agentrouter.calibration;

import org.agentrouter.progress.Progress;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.features.FeatureLayout;

/**
 * MiniLM vectors of a list of prompts, computed once and cached on disk by the hash of the prompt
 * list (embedding 12k prompts takes minutes on two cores). The cache lives outside the repository.
 */
public final class PromptEmbeddings {
    private PromptEmbeddings() {}

    public static Path defaultCacheDir() {
        String override = System.getProperty("router.cache.dir", System.getenv("ROUTER_CACHE_DIR"));
        return override != null ? Path.of(override) : Path.of(System.getProperty("user.home"), ".cache", "agent-router");
    }

    public static float[][] of(List<String> prompts, Path cacheDir) throws IOException {
        String key = hash(prompts);
        Path file = cacheDir.resolve("minilm-" + key.substring(0, 16) + ".f32");
        if (Files.isRegularFile(file)) {
            float[][] cached = read(file, prompts.size());
            if (cached != null) return cached;
        }
        float[][] vectors = new float[prompts.size()][];
        try (MiniLmEmbedder embedder = new MiniLmEmbedder();
             Progress bar = Progress.start("embedding prompts", prompts.size(), "prompts")) {
            for (int i = 0; i < vectors.length; i++) {
                vectors[i] = embedder.embed(prompts.get(i));
                bar.step();
            }
        }
        Files.createDirectories(cacheDir);
        Path tmp = Files.createTempFile(cacheDir, "embeddings", ".tmp");
        try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
            out.writeInt(vectors.length);
            out.writeInt(FeatureLayout.EMBEDDING_DIM);
            for (float[] v : vectors) for (float x : v) out.writeFloat(x);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return vectors;
    }

    /**
     * Vectors of the rows of {@code table} (a filter of {@code all}) for the rows of {@code all} minus the
     * subjects in {@code usuallyExcluded}: that larger set is embedded and cached once, so every fold or
     * subject selection of it reads the same cache file instead of embedding its own prompt list again.
     * Falls back to embedding {@code table} alone when it holds an usually excluded subject.
     */
    public static float[][] ofSelection(OutcomeTable all, java.util.function.IntPredicate selected,
                                        java.util.Set<String> usuallyExcluded, Path cacheDir) throws IOException {
        boolean inBase = true;
        for (int i = 0; i < all.size() && inBase; i++) {
            if (selected.test(i) && usuallyExcluded.contains(all.subject(i))) inBase = false;
        }
        OutcomeTable base = inBase ? all.filter(i -> !usuallyExcluded.contains(all.subject(i))) : all;
        java.util.List<Integer> baseRowsOfAll = new java.util.ArrayList<>();
        for (int i = 0; i < all.size(); i++) if (!inBase || !usuallyExcluded.contains(all.subject(i))) baseRowsOfAll.add(i);
        float[][] baseVectors = of(base.prompts(), cacheDir);
        java.util.List<float[]> out = new java.util.ArrayList<>();
        for (int b = 0; b < baseRowsOfAll.size(); b++) if (selected.test(baseRowsOfAll.get(b))) out.add(baseVectors[b]);
        return out.toArray(new float[0][]);
    }

    private static float[][] read(Path file, int expectedRows) throws IOException {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            int rows = in.readInt();
            int dim = in.readInt();
            if (rows != expectedRows || dim != FeatureLayout.EMBEDDING_DIM) return null;
            float[][] out = new float[rows][dim];
            for (float[] v : out) for (int d = 0; d < dim; d++) v[d] = in.readFloat();
            return out;
        }
    }

    static String hash(List<String> prompts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : prompts) {
                sha.update(p.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
