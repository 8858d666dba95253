package org.agentrouter.study;

import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.model.embedding.onnx.allminilml6v2.AllMiniLmL6V2EmbeddingModel;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

import org.agentrouter.eval.OutcomeTable;
/**
 * all-MiniLM-L6-v2 vectors of a table's prompts, computed once (about 3 ms a prompt) and kept in a
 * binary file outside the repository.
 *
 * <p>File layout, big-endian header then little-endian floats (the sqlite-vec blob order):
 * <pre>
 *   int   magic 0x4D4C4D31 ("MLM1")
 *   int   rows
 *   int   dim (384)
 *   long  fingerprint: FNV-1a 64 over the UTF-8 prompts in row order, each followed by a 0 byte
 *   rows x dim float32, row-major, little-endian, L2-normalised by the model
 * </pre>
 * Row i is {@link OutcomeTable} row i: files in ascending name order, rows in file order. The
 * fingerprint makes a cache built from other data or another row order fail loudly instead of
 * silently pairing prompts with the wrong vectors.
 */
final class EmbeddingCache {
    private static final int MAGIC = 0x4D4C4D31;
    static final int DIM = 384;
    private static final int BATCH = 256;

    private EmbeddingCache() {}

    /** Reads the vectors from {@code file}, computing and writing them first if the file is absent. */
    static float[][] load(Path file, List<String> prompts) throws IOException {
        long fingerprint = fingerprint(prompts);
        if (!Files.exists(file)) {
            write(file, embed(prompts), fingerprint);
        }
        return read(file, prompts.size(), fingerprint);
    }

    static long fingerprint(List<String> prompts) {
        long hash = 0xcbf29ce484222325L;
        for (String prompt : prompts) {
            for (byte b : prompt.getBytes(StandardCharsets.UTF_8)) {
                hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
            }
            hash *= 0x100000001b3L; // the 0 separator byte
        }
        return hash;
    }

    private static float[][] embed(List<String> prompts) {
        AllMiniLmL6V2EmbeddingModel model = new AllMiniLmL6V2EmbeddingModel();
        float[][] vectors = new float[prompts.size()][];
        long start = System.nanoTime();
        for (int from = 0; from < prompts.size(); from += BATCH) {
            int to = Math.min(prompts.size(), from + BATCH);
            List<TextSegment> batch = new ArrayList<>(to - from);
            for (int i = from; i < to; i++) {
                batch.add(TextSegment.from(prompts.get(i)));
            }
            List<Embedding> embeddings = model.embedAll(batch).content();
            for (int i = from; i < to; i++) {
                vectors[i] = embeddings.get(i - from).vector();
            }
            System.out.printf("embedded %d/%d prompts, %.1f s%n", to, prompts.size(), (System.nanoTime() - start) / 1e9);
        }
        return vectors;
    }

    private static void write(Path file, float[][] vectors, long fingerprint) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try (OutputStream raw = Files.newOutputStream(partial);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
            out.writeInt(MAGIC);
            out.writeInt(vectors.length);
            out.writeInt(DIM);
            out.writeLong(fingerprint);
            ByteBuffer row = ByteBuffer.allocate(DIM * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] vector : vectors) {
                if (vector.length != DIM) {
                    throw new IllegalStateException("model returned " + vector.length + " dimensions");
                }
                row.clear();
                row.asFloatBuffer().put(vector);
                out.write(row.array());
            }
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static float[][] read(Path file, int rows, long fingerprint) throws IOException {
        try (InputStream raw = Files.newInputStream(file);
                DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
            if (in.readInt() != MAGIC) {
                throw new IOException(file + ": not an embedding cache");
            }
            int storedRows = in.readInt();
            int dim = in.readInt();
            long storedFingerprint = in.readLong();
            if (storedRows != rows || dim != DIM || storedFingerprint != fingerprint) {
                throw new IOException(file + ": built for other prompts (rows " + storedRows + ", dim " + dim
                        + "); delete it to rebuild");
            }
            float[][] vectors = new float[rows][DIM];
            byte[] bytes = new byte[DIM * Float.BYTES];
            for (float[] vector : vectors) {
                in.readFully(bytes);
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(vector);
            }
            return vectors;
        }
    }
}
