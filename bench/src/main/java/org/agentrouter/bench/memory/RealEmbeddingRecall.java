package org.agentrouter.bench.memory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.agentrouter.embedding.MiniLmEmbedder;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.wire.Embeddings;
import org.agentrouter.memory.index.IndexSettings;
/**
 * Recall of {@link LiveMemoryIndex} on real sentence embeddings: the MMLU questions of
 * {@code shared/data/routellm-mmlu} embedded with all-MiniLM-L6-v2 (the job's full embedder). Int4Recall and the
 * index tests use random unit vectors, whose cosines all sit near 0; real embeddings are clustered (topics,
 * templated questions) and have a few strong dimensions, which is where the 2-bit and 4-bit codes could rank
 * worse, and where the coarse pass's sample can misjudge the namespace (it was the first rows; rows stored
 * subject by subject then made a third of the queries take the fallback, so the sample is now spread).
 *
 * <p>300 held-out questions (fixed seed) query one namespace holding the others; the truth is brute-force
 * cosine in double precision. recall@k = the share of the true top k (ties broken by row) that the index
 * returns; "tie-tol." also counts a returned row whose exact cosine is within 1e-6 of the k-th (MMLU has
 * duplicate prompts, whose equal vectors the index may return in another order). Each table is run with the
 * rows in file order (subjects one after another, as a store whose topics drift) and shuffled, because the
 * coarse pass sets its threshold from a sample of the rows. Then a "scaled" namespace of 100,000 rows: the real
 * memories plus copies with Gaussian noise (sd 0.02 per component, renormalized), truth recomputed, k = 100.
 *
 * <p>Usage: {@code java -Xmx8g --add-modules jdk.incubator.vector -cp <bench classpath>
 * org.agentrouter.bench.memory.RealEmbeddingRecall [DATA_DIR] [CACHE_FILE]}; the embeddings are cached in
 * {@code /tmp/mmlu-minilm.f32} (checked against the prompts' count and hash), so a rerun skips the embedding.
 * Latencies (p50, p90 of the 300 queries after 50 warm-up ones) are for information only.
 */
public final class RealEmbeddingRecall {
    private static final int DIM = Embeddings.DIM;
    private static final int QUERIES = 300;
    private static final int WARMUP = 50;
    private static final long SEED = 20261127L;
    private static final int SCALED_ROWS = 100_000;
    private static final double NOISE_SD = 0.02;
    private static final double TIE = 1e-6;
    private static final String NAMESPACE = "mmlu";
    private static final int CACHE_MAGIC = 0x4d4c4d31; // "MLM1"

    /** One index configuration: shortlist factor 4 and one scan thread throughout, as the job runs. */
    private record Config(String name, LiveMemoryIndex.FirstPass pass, int coarseFactor) {}

    private static final Config[] CONFIGS = {
            new Config("int4 coarse 30 (job)", LiveMemoryIndex.FirstPass.INT4, 30),
            new Config("int4 coarse 20", LiveMemoryIndex.FirstPass.INT4, 20),
            new Config("int4 no coarse", LiveMemoryIndex.FirstPass.INT4, 0),
            new Config("int8", LiveMemoryIndex.FirstPass.INT8, 0),
    };

    private RealEmbeddingRecall() {}

    public static void main(String[] args) throws IOException {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/data/routellm-mmlu");
        Path cache = Path.of(args.length > 1 ? args[1] : "/tmp/mmlu-minilm.f32");
        List<String> prompts = readPrompts(data);
        float[][] all = embeddings(prompts, cache);

        // Held-out queries by a seeded shuffle; the memories keep file order.
        int[] perm = IntStream.range(0, all.length).toArray();
        shuffle(perm, new SplittableRandom(SEED));
        float[][] queries = new float[QUERIES][];
        boolean[] held = new boolean[all.length];
        for (int i = 0; i < QUERIES; i++) {
            queries[i] = all[perm[i]];
            held[perm[i]] = true;
        }
        List<MemoryRecord> memories = new ArrayList<>();
        for (int i = 0; i < all.length; i++) {
            if (!held[i]) memories.add(record("q" + i, all[i]));
        }
        System.out.printf("%d MMLU questions, %d memories, %d queries (+%d warm-up), shortlist factor 4, 1 scan thread%n",
                all.length, memories.size(), QUERIES, WARMUP);
        report("real", memories, queries, new int[] {10, 100});

        // Scaled: the real memories, then noisy copies until SCALED_ROWS rows.
        SplittableRandom noise = new SplittableRandom(SEED + 1);
        List<MemoryRecord> scaled = new ArrayList<>(memories);
        for (int i = memories.size(); i < SCALED_ROWS; i++) {
            MemoryRecord src = memories.get(i % memories.size());
            scaled.add(record(src.id + "c" + (i / memories.size()), noisy(src.embedding, noise)));
        }
        report("scaled", scaled, queries, new int[] {100});
    }

    /** Both insertion orders of one row set: truth once per k, then every config. */
    private static void report(String label, List<MemoryRecord> rows, float[][] queries, int[] ks) {
        List<MemoryRecord> shuffled = new ArrayList<>(rows);
        SplittableRandom random = new SplittableRandom(SEED + 2);
        for (int i = shuffled.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            MemoryRecord t = shuffled.get(i);
            shuffled.set(i, shuffled.get(j));
            shuffled.set(j, t);
        }
        Map<String, Integer> rowOf = new HashMap<>();
        for (int r = 0; r < rows.size(); r++) rowOf.put(rows.get(r).id, r);
        int maxK = Arrays.stream(ks).max().getAsInt();
        long t0 = System.nanoTime();
        Truth[] truth = IntStream.range(0, queries.length).parallel()
                .mapToObj(q -> Truth.of(rows, queries[q], maxK)).toArray(Truth[]::new);
        System.out.printf("%n== %s: %d rows; exact truth in %.1f s; mean exact cosine of the true 1st / 10th / 100th: %.4f / %.4f / %.4f%n",
                label, rows.size(), (System.nanoTime() - t0) / 1e9, meanCos(truth, 1), meanCos(truth, 10), meanCos(truth, 100));
        System.out.printf("%-8s %-4s %-22s %-8s %-9s %-10s %-8s %-8s %s%n",
                "order", "k", "config", "recall", "tie-tol.", "fallbacks", "p50 us", "p90 us", "kernels");
        for (String order : new String[] {"file", "shuffled"}) {
            for (int k : ks) {
                for (Config c : CONFIGS) {
                    run(order, order.equals("file") ? rows : shuffled, rowOf, queries, truth, k, c);
                }
            }
        }
    }

    private static void run(String order, List<MemoryRecord> rows, Map<String, Integer> rowOf, float[][] queries,
                            Truth[] truth, int k, Config c) {
        try (LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(4).firstPass(c.pass()).coarseFactor(c.coarseFactor()))) {
            for (MemoryRecord r : rows) index.upsert(r);
            CandidateSet out = new CandidateSet(k);
            for (int i = 0; i < WARMUP; i++) index.topK(NAMESPACE, queries[i % queries.length], k, RetrievalFilter.NONE, out);
            long fallbacksBefore = index.coarseFallbacks();
            long[] nanos = new long[queries.length];
            long strict = 0;
            long tolerant = 0;
            for (int q = 0; q < queries.length; q++) {
                long start = System.nanoTime();
                int n = index.topK(NAMESPACE, queries[q], k, RetrievalFilter.NONE, out);
                nanos[q] = System.nanoTime() - start;
                for (int i = 0; i < n; i++) {
                    int row = rowOf.get(out.ids[i]);
                    if (truth[q].rank[row] < k) strict++;
                    if (truth[q].cosine[row] >= truth[q].kth[k - 1] - TIE) tolerant++;
                }
            }
            Arrays.sort(nanos);
            double total = (double) queries.length * k;
            // p90 as well: a coarse fallback adds a second 2-bit pass, which a minority of queries pays.
            System.out.printf("%-8s %-4d %-22s %-8.4f %-9.4f %-10d %-8.0f %-8.0f %s%n", order, k, c.name(),
                    strict / total, tolerant / total, index.coarseFallbacks() - fallbacksBefore,
                    nanos[nanos.length / 2] / 1e3, nanos[nanos.length * 9 / 10] / 1e3, index.kernelName());
        }
    }

    /** One query's exact cosines to every row, the true top {@code maxK} rows' ranks, and the cosine at each rank. */
    private record Truth(double[] cosine, int[] rank, double[] kth) {
        static Truth of(List<MemoryRecord> rows, float[] query, int maxK) {
            int n = rows.size();
            double[] cos = new double[n];
            double qn = Math.sqrt(dot(query, query));
            for (int r = 0; r < n; r++) {
                float[] v = rows.get(r).embedding;
                cos[r] = dot(query, v) / (qn * Math.sqrt(dot(v, v)));
            }
            // Ties broken by row: sort (cosine desc, row asc) over row indices.
            Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
            Arrays.sort(order, (a, b) -> cos[a] != cos[b] ? Double.compare(cos[b], cos[a]) : Integer.compare(a, b));
            int[] rank = new int[n];
            Arrays.fill(rank, Integer.MAX_VALUE);
            double[] kth = new double[maxK];
            for (int i = 0; i < Math.min(maxK, n); i++) {
                rank[order[i]] = i;
                kth[i] = cos[order[i]];
            }
            return new Truth(cos, rank, kth);
        }
    }

    private static double meanCos(Truth[] truth, int rank) {
        double s = 0;
        for (Truth t : truth) s += t.kth[rank - 1];
        return s / truth.length;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    private static float[] noisy(float[] v, SplittableRandom random) {
        float[] out = new float[DIM];
        double norm = 0;
        for (int i = 0; i < DIM; i++) {
            out[i] = (float) (v[i] + NOISE_SD * random.nextGaussian());
            norm += (double) out[i] * out[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < DIM; i++) out[i] *= inv;
        return out;
    }

    private static MemoryRecord record(String id, float[] embedding) {
        MemoryRecord r = new MemoryRecord();
        r.id = id;
        r.namespace = NAMESPACE;
        r.kind = MemoryRecord.EPISODE;
        r.embedding = embedding;
        return r;
    }

    private static void shuffle(int[] a, SplittableRandom random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /** The cached embeddings when they belong to these prompts, else embeds them all (minutes) and caches them. */
    private static float[][] embeddings(List<String> prompts, Path cache) throws IOException {
        long hash = 17;
        for (String p : prompts) hash = hash * 31 + p.hashCode();
        if (Files.isRegularFile(cache)) {
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(cache), 1 << 20))) {
                if (in.readInt() == CACHE_MAGIC && in.readInt() == prompts.size() && in.readInt() == DIM
                        && in.readLong() == hash) {
                    float[][] v = new float[prompts.size()][DIM];
                    for (float[] row : v) for (int d = 0; d < DIM; d++) row[d] = in.readFloat();
                    System.out.println("embeddings read from " + cache);
                    return v;
                }
            }
            System.out.println(cache + " belongs to other prompts: embedding again");
        }
        float[][] v = new float[prompts.size()][];
        long t0 = System.nanoTime();
        try (MiniLmEmbedder embedder = new MiniLmEmbedder(MiniLmEmbedder.Variant.FULL)) {
            for (int i = 0; i < v.length; i++) {
                v[i] = embedder.embed(prompts.get(i));
                if ((i + 1) % 1000 == 0 || i + 1 == v.length) {
                    System.out.printf("embedded %d / %d (%.0f s)%n", i + 1, v.length, (System.nanoTime() - t0) / 1e9);
                }
            }
        }
        Path tmp = cache.resolveSibling(cache.getFileName() + ".tmp");
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
            out.writeInt(CACHE_MAGIC);
            out.writeInt(v.length);
            out.writeInt(DIM);
            out.writeLong(hash);
            for (float[] row : v) for (float x : row) out.writeFloat(x);
        }
        Files.move(tmp, cache, StandardCopyOption.REPLACE_EXISTING);
        return v;
    }

    /** The prompt column of every mmlu_*.csv, files by name, rows in file order. */
    private static List<String> readPrompts(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().matches("mmlu_.*\\.csv")).sorted().toList();
        }
        if (files.isEmpty()) throw new IOException("no mmlu_*.csv in " + dir);
        List<String> prompts = new ArrayList<>();
        for (Path f : files) {
            try (BufferedReader in = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
                List<List<String>> records = parseCsv(in);
                if (!records.get(0).get(0).equals("prompt")) throw new IOException(f + ": first column is not prompt");
                for (List<String> r : records.subList(1, records.size())) prompts.add(r.get(0));
            }
        }
        return prompts;
    }

    /** RFC 4180: fields in double quotes may hold commas, newlines and doubled quotes. */
    private static List<List<String>> parseCsv(BufferedReader in) throws IOException {
        List<List<String>> records = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false; // something of the current record was read
        int c;
        while ((c = in.read()) != -1) {
            any = true;
            if (quoted) {
                if (c != '"') {
                    field.append((char) c);
                } else {
                    in.mark(1);
                    if (in.read() == '"') {
                        field.append('"');
                    } else {
                        in.reset();
                        quoted = false;
                    }
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (c == '\n') {
                fields.add(field.toString());
                field.setLength(0);
                records.add(fields);
                fields = new ArrayList<>();
                any = false;
            } else if (c != '\r') {
                field.append((char) c);
            }
        }
        if (any) {
            fields.add(field.toString());
            records.add(fields);
        }
        return records;
    }
}
