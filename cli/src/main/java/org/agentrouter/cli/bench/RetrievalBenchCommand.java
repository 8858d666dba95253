package org.agentrouter.cli.bench;

import org.agentrouter.progress.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.MemorySearch;
import org.agentrouter.memory.store.MemoryStore;
import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.store.QuantizedIndex;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.store.VecExtension;
import org.sqlite.SQLiteConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.wire.Embeddings;
import org.agentrouter.memory.index.IndexSettings;
/**
 * {@code ./router bench retrieval}: top-k latency and recall of each retrieval approach on a store of
 * random unit vectors. Every approach answers the same queries; recall@k is measured against vec0's exact
 * float search. To be moved under a parent {@code bench} command once one exists.
 */
@Command(name = "retrieval", mixinStandardHelpOptions = true,
        description = "Latency (p50/p95/p99) and recall@k of memory retrieval approaches on N random 384-d memories.")
final class RetrievalBenchCommand implements Callable<Integer> {
    private static final int DIM = FeatureLayout.EMBEDDING_DIM;
    private static final int BATCH = 2_000;

    @Option(names = "--memories", defaultValue = "100000", description = "memories in the store (default ${DEFAULT-VALUE})")
    int memories;

    @Option(names = "--namespaces", defaultValue = "1", description = "namespaces they are spread over, round robin (default ${DEFAULT-VALUE})")
    int namespaces;

    @Option(names = "--k", defaultValue = "100", description = "rows per query (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--queries", defaultValue = "300", description = "measured queries per approach (default ${DEFAULT-VALUE})")
    int queries;

    @Option(names = "--warmup", defaultValue = "100", description = "unmeasured queries first, for the JIT (default ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--shortlist", split = ",", defaultValue = "2,4",
            description = "shortlist factors to measure for the int8 and job indexes (shortlist = factor * k; default ${DEFAULT-VALUE})")
    int[] shortlistFactors;

    @Option(names = "--scan-threads", split = ",", defaultValue = "1,2",
            description = "threads the job index splits one query's first pass over (4-bit pass; the job's --retrieval-scan-threads; "
                    + "cpu p50 then counts the calling thread only) (default ${DEFAULT-VALUE})")
    int[] scanThreads;

    @Option(names = "--coarse", split = ",", defaultValue = "0," + LiveMemoryIndex.DEFAULT_COARSE_FACTOR,
            description = "coarse shortlist factors for the job index's 2-bit pass (coarse shortlist = factor * k;"
                    + " 0 = no coarse pass, every row's 4-bit codes; default ${DEFAULT-VALUE})")
    int[] coarseFactors;

    @Option(names = "--store", description = "store file to build, or to reuse when it already holds --memories "
            + "over --namespaces (default: a temporary file, deleted afterwards)")
    Path storeFile;

    @Option(names = "--sqlite-vec-quantized", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "also measure sqlite-vec's own int8 and bit vec0 tables + exact rescoring in SQLite (default ${DEFAULT-VALUE})")
    boolean sqliteVecQuantized;

    @Option(names = "--seed", defaultValue = "1", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        for (int t : scanThreads) {
            if (t < 1 || t > 64) throw new IllegalArgumentException("--scan-threads must be in [1, 64], got " + t);
        }
        for (int c : coarseFactors) {
            if (c < 0) throw new IllegalArgumentException("--coarse must be >= 0, got " + c);
        }
        if (memories < 1 || namespaces < 1 || namespaces > memories || k < 1 || k > FeatureLayout.MAX_CANDIDATES
                || queries < 1 || warmup < 0) {
            throw new IllegalArgumentException("need memories >= namespaces >= 1, 1 <= k <= "
                    + FeatureLayout.MAX_CANDIDATES + ", queries >= 1, warmup >= 0");
        }
        Path tempDir = null;
        Path file = storeFile;
        if (file == null) {
            tempDir = Files.createTempDirectory("bench-retrieval-");
            file = tempDir.resolve("memories.db");
        }
        try {
            prepareStore(file);
            run(file);
        } finally {
            if (tempDir != null) {
                deleteTree(tempDir);
            }
        }
        return 0;
    }

    private void run(Path file) throws SQLException {
        System.out.printf("%s  load average %s  %d cores  %s%n", Instant.now(), loadAverage(),
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
        System.out.printf("store %s: %,d memories x %d-d in %d namespace(s) (%,d each), k = %d, %d queries after %d warm-up%n",
                file, memories, DIM, namespaces, memories / namespaces, k, queries, warmup);
        List<float[]> queryVectors = new ArrayList<>();
        Random rnd = new Random(seed + 1_000_003);
        for (int i = 0; i < warmup + queries; i++) {
            queryVectors.add(randomUnit(rnd));
        }
        System.out.printf("%-40s %10s %10s %10s %12s %12s%n", "approach", "p50 ms", "p95 ms", "p99 ms", "cpu p50 ms",
                "recall@" + k);
        // vec0's exact float search answers first; its ids are every other approach's ground truth.
        String[][] truth = new String[queryVectors.size()][];
        try (MemoryStore store = MemoryStore.openReadOnly(file)) {
            measure("vec0 exact (float[384], partition)", store, queryVectors, truth, true);
            for (boolean floatsInMemory : new boolean[] {false, true}) {
                for (int factor : shortlistFactors) {
                    QuantizedIndex index = QuantizedIndex.over(store,
                            new QuantizedIndex.Settings(factor, 60_000, floatsInMemory));
                    long start = System.nanoTime();
                    index.preload(index.namespacesInStore());
                    long loadMs = (System.nanoTime() - start) / 1_000_000;
                    measure("int8 " + index.kernelName() + " x" + factor + (floatsInMemory ? " + floats in RAM"
                            : " + floats from SQLite"), index, queryVectors, truth, false);
                    if (factor == shortlistFactors[shortlistFactors.length - 1]) {
                        System.out.printf("  (index: %,d memories loaded in %,d ms, %,d MB heap)%n",
                                index.loadedMemories(), loadMs, index.heapBytes() >> 20);
                    }
                    index.close();
                }
            }
        }
        // The job's own index (the retrieval operator's, fed from keyed state; here from the store's rows).
        try (MemoryStore store = MemoryStore.openReadOnly(file)) {
            for (LiveMemoryIndex.FirstPass pass : LiveMemoryIndex.FirstPass.values()) {
                boolean int4 = pass == LiveMemoryIndex.FirstPass.INT4;
                for (int coarse : int4 ? coarseFactors : new int[] {0}) {
                    for (int threads : scanThreads) {
                        if (threads > 1 && !int4) continue; // the job's pass only
                        for (int factor : shortlistFactors) {
                            try (LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(factor).firstPass(pass).scanThreads(threads).coarseFactor(coarse))) {
                                long start = System.nanoTime();
                                store.forEach(index::upsert);
                                long loadMs = (System.nanoTime() - start) / 1_000_000;
                                measure("job index " + index.kernelName() + " x" + factor, index, queryVectors, truth, false);
                                if (factor == shortlistFactors[shortlistFactors.length - 1] && threads == scanThreads[0]) {
                                    System.out.printf("  (index: %,d memories loaded in %,d ms, %,d MB of codes and attributes; floats are the records')%n",
                                            index.size(), loadMs, index.heapBytes() >> 20);
                                }
                            }
                        }
                    }
                }
            }
        }
        if (sqliteVecQuantized) {
            try (Connection c = openConnection(file, true)) {
                for (int factor : shortlistFactors) {
                    measure("vec0 int8[384] + rescore, " + factor + "k", new QuantizedVec0Search(c, "bench_int8",
                            "vec_quantize_int8(?, 'unit')", factor), queryVectors, truth, false);
                }
                int bitFactor = Math.max(1, Math.min(4096 / k, 40));
                measure("vec0 bit[384] + rescore, " + bitFactor + "k", new QuantizedVec0Search(c, "bench_bit",
                        "vec_quantize_binary(?)", bitFactor), queryVectors, truth, false);
            }
        }
    }

    private void measure(String name, MemorySearch search, List<float[]> queryVectors, String[][] truth, boolean isTruth) {
        CandidateSet out = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
        Histogram latency = new Histogram(60_000_000_000L, 3);
        // CPU time of this thread (SQLite runs in it too): on a machine shared with other builds the wall
        // clock also counts time spent waiting for a core.
        Histogram cpu = new Histogram(60_000_000_000L, 3);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double recallSum = 0;
        for (int i = 0; i < queryVectors.size(); i++) {
            String ns = "ns" + (i % namespaces);
            long startCpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            int n = search.topK(ns, queryVectors.get(i), k, null, out);
            long took = System.nanoTime() - start;
            long tookCpu = threads.getCurrentThreadCpuTime() - startCpu;
            if (i < warmup) {
                continue;
            }
            latency.recordValue(took);
            cpu.recordValue(Math.max(0, tookCpu));
            if (isTruth) {
                truth[i] = Arrays.copyOf(out.ids, n);
            } else {
                Set<String> want = new HashSet<>(Arrays.asList(truth[i]));
                int hit = 0;
                for (int j = 0; j < n; j++) {
                    if (want.contains(out.ids[j])) hit++;
                }
                recallSum += want.isEmpty() ? 1 : hit / (double) want.size();
            }
        }
        System.out.printf("%-40s %10.3f %10.3f %10.3f %12.3f %12s%n", name, latency.getValueAtPercentile(50) / 1e6,
                latency.getValueAtPercentile(95) / 1e6, latency.getValueAtPercentile(99) / 1e6,
                cpu.getValueAtPercentile(50) / 1e6,
                isTruth ? "(truth)" : String.format("%.4f", recallSum / queries));
    }

    /**
     * sqlite-vec's own quantized coarse search: a vec0 table of int8 or bit vectors gives the shortlist, then
     * vec_distance_cosine on the float vectors in {@code memories} rescores it, all in one SQL statement.
     */
    private static final class QuantizedVec0Search implements MemorySearch {
        private final PreparedStatement ps;
        private final int factor;
        private final ByteBuffer blob = ByteBuffer.allocate(DIM * Float.BYTES);

        QuantizedVec0Search(Connection c, String table, String quantize, int factor) throws SQLException {
            this.factor = factor;
            this.ps = c.prepareStatement("WITH shortlist AS MATERIALIZED (SELECT rowid FROM " + table
                    + " WHERE embedding MATCH " + quantize + " AND k = ? AND namespace = ?)"
                    + " SELECT m.id, vec_distance_cosine(m.embedding, ?) AS distance"
                    + " FROM shortlist CROSS JOIN memories m ON m.seq = shortlist.rowid"
                    + " ORDER BY distance, m.id LIMIT ?");
        }

        @Override
        public int topK(String namespace, float[] query, int k, RetrievalFilter filter, CandidateSet out) {
            byte[] bytes = Embeddings.toBuffer(query, query.length, blob).array();
            out.clear();
            try {
                ps.setBytes(1, bytes);
                ps.setInt(2, Math.min(4096, k * factor));
                ps.setString(3, namespace);
                ps.setBytes(4, bytes);
                ps.setInt(5, k);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1), (float) (1 - rs.getDouble(2)));
                    }
                }
                return out.size();
            } catch (SQLException e) {
                throw new IllegalStateException(e.getMessage(), e);
            }
        }
    }

    private void prepareStore(Path file) throws SQLException {
        if (Files.exists(file)) {
            try (MemoryStore store = MemoryStore.openReadOnly(file)) {
                var counts = store.countsByNamespaceAndKind();
                if (store.count() != memories || counts.size() != namespaces) {
                    throw new IllegalArgumentException(file + " holds " + store.count() + " memories in " + counts.size()
                            + " namespaces, not " + memories + " in " + namespaces + ": give another --store");
                }
            }
            System.out.println("reusing " + file);
        } else {
            build(file);
        }
        if (sqliteVecQuantized) {
            buildQuantizedTables(file);
        }
    }

    private void build(Path file) {
        Random rnd = new Random(seed);
        try (MemoryStore store = MemoryStore.openWritable(file);
             Progress bar = Progress.start("building " + file.getFileName(), memories, "memories")) {
            List<MemoryRecord> batch = new ArrayList<>(BATCH);
            for (int i = 0; i < memories; i++) {
                MemoryRecord r = new MemoryRecord();
                r.id = "m" + i;
                r.namespace = "ns" + (i % namespaces);
                r.kind = MemoryRecord.EPISODE;
                r.text = "memory " + i;
                r.createdAtMs = 1_700_000_000_000L + i;
                r.confidence = rnd.nextFloat();
                r.embedding = randomUnit(rnd);
                batch.add(r);
                if (batch.size() == BATCH || i == memories - 1) {
                    store.upsert(batch);
                    bar.stepBy(batch.size());
                    batch.clear();
                }
            }
        }
    }

    /** int8 and bit vec0 copies of the vectors for sqlite-vec's own quantized search; built once per file. */
    private void buildQuantizedTables(Path file) throws SQLException {
        try (Connection c = openConnection(file, false); Statement st = c.createStatement()) {
            for (String[] t : new String[][] {
                {"bench_int8", "int8[" + DIM + "]", "vec_quantize_int8(embedding, 'unit')"},
                {"bench_bit", "bit[" + DIM + "]", "vec_quantize_binary(embedding)"}}) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = '" + t[0] + "'")) {
                    rs.next();
                    if (rs.getInt(1) > 0) {
                        continue;
                    }
                }
                System.out.println("building sqlite-vec table " + t[0] + " (" + t[1] + ") ...");
                c.setAutoCommit(false);
                st.execute("CREATE VIRTUAL TABLE " + t[0] + " USING vec0(namespace TEXT PARTITION KEY, embedding " + t[1] + ")");
                st.execute("INSERT INTO " + t[0] + "(rowid, namespace, embedding) SELECT seq, namespace, " + t[2]
                        + " FROM memories ORDER BY seq");
                c.commit();
                c.setAutoCommit(true);
            }
        }
    }

    private static Connection openConnection(Path file, boolean readOnly) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.enableLoadExtension(true);
        config.setReadOnly(readOnly);
        config.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, Long.toString(1L << 30));
        if (!readOnly) {
            config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        }
        Connection c = config.createConnection("jdbc:sqlite:" + file.toAbsolutePath());
        VecExtension.load(c);
        return c;
    }

    static float[] randomUnit(Random rnd) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int i = 0; i < DIM; i++) {
            v[i] = (float) rnd.nextGaussian();
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < DIM; i++) {
            v[i] *= inv;
        }
        return v;
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
