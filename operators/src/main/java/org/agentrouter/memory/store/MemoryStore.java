package org.agentrouter.memory.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntConsumer;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.MemorySearch;
import org.agentrouter.memory.RetrievalFilter;
/**
 * Memories in one SQLite file with a sqlite-vec index, searched by exact cosine KNN per namespace.
 *
 * <p>One store object holds one connection and reuses its prepared statements and buffers, so it is
 * <b>not thread-safe</b>: open one per task slot. Several read-only stores and one writable store may
 * share a file; WAL mode lets readers go on while the writer commits.
 */
public final class MemoryStore implements MemorySearch, AutoCloseable {
    private static final int BUSY_TIMEOUT_MS = 5_000;
    /**
     * Every search reads all vectors of a namespace; memory-mapping the file instead of copying pages
     * through SQLite's page cache made top-100 over 10k memories about 35% faster here. It reserves
     * address space, not memory; pages stay in the OS cache shared by every store on the host.
     */
    private static final long MMAP_BYTES = 1L << 30;

    private final Path file;
    private final boolean readOnly;
    private final Connection connection;
    private final KnnSearch search;
    private final MemoryWriter writer;
    private PreparedStatement getById;

    private MemoryStore(Path file, boolean readOnly, Connection connection) {
        this.file = file;
        this.readOnly = readOnly;
        this.connection = connection;
        this.search = new KnnSearch(connection);
        this.writer = readOnly ? null : new MemoryWriter(connection);
    }

    /** Opens the store at {@code file}, creating the file and its tables when missing. */
    public static MemoryStore openWritable(Path file) {
        Path path = file.toAbsolutePath();
        try {
            Path parent = path.getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
        } catch (IOException e) {
            throw new MemoryStoreException("cannot create the directory of memory store " + path, e);
        }
        SQLiteConfig config = baseConfig();
        config.setJournalMode(SQLiteConfig.JournalMode.WAL);
        // In WAL mode NORMAL loses at most the last commits on power loss, never consistency.
        config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
        return open(path, false, config);
    }

    /** Opens an existing store for searching only; fails naming {@code file} if it is missing or not a store. */
    public static MemoryStore openReadOnly(Path file) {
        Path path = file.toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new MemoryStoreException("memory store not found: " + path);
        }
        SQLiteConfig config = baseConfig();
        config.setReadOnly(true);
        return open(path, true, config);
    }

    private static SQLiteConfig baseConfig() {
        SQLiteConfig config = new SQLiteConfig();
        config.enableLoadExtension(true);
        config.setBusyTimeout(BUSY_TIMEOUT_MS);
        config.setPragma(SQLiteConfig.Pragma.MMAP_SIZE, Long.toString(MMAP_BYTES));
        return config;
    }

    private static MemoryStore open(Path path, boolean readOnly, SQLiteConfig config) {
        Connection c = null;
        try {
            c = config.createConnection("jdbc:sqlite:" + path);
            String vecVersion = VecExtension.load(c);
            if (!readOnly && MemorySchema.isEmptyDatabase(c)) {
                c.setAutoCommit(false);
                MemorySchema.create(c, vecVersion);
                c.commit();
                c.setAutoCommit(true);
            } else {
                // Also refuses to write into a SQLite file that belongs to something else (an agent's own database).
                MemorySchema.verify(c, path.toString());
            }
            return new MemoryStore(path, readOnly, c);
        } catch (SQLException e) {
            closeQuietly(c, e);
            if (e.getErrorCode() == SQLiteErrorCode.SQLITE_NOTADB.code) {
                throw new MemoryStoreException("not a memory store (not a SQLite database): " + path, e);
            }
            throw new MemoryStoreException("cannot open memory store " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(c, e);
            throw e;
        }
    }

    /**
     * Inserts or replaces (by id) every record in one transaction. Throws IllegalArgumentException, before
     * writing anything, when a record is invalid: wrong dimension, non-finite or zero vector, unknown kind,
     * a 0..1 field out of range.
     */
    public void upsert(List<MemoryRecord> batch) {
        upsert(batch, written -> { });
    }

    /**
     * {@link #upsert(List)} that reports how many records of the batch are written so far (before the commit),
     * for a progress bar over one large transaction.
     */
    public void upsert(List<MemoryRecord> batch, IntConsumer written) {
        write(batch, List.of(), written);
    }

    /**
     * Upserts {@code batch} and deletes the memories with ids {@code deletes} (absent ones are skipped) in
     * one transaction: both or neither. Returns how many memories were deleted. Checks as {@link #upsert(List)}.
     */
    public int write(List<MemoryRecord> batch, Collection<String> deletes, IntConsumer written) {
        requireWritable();
        try {
            return writer.write(batch, deletes, written);
        } catch (SQLException e) {
            throw failure("write", e);
        }
    }

    /** Where a stored memory came from, without its vector and text. */
    public record Origin(String id, String namespace, String kind, String sourceId) {}

    /** The origin of every memory whose id starts with {@code prefix} (non-empty), by id. */
    public List<Origin> originsWithIdPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("id prefix must not be empty");
        }
        // A range on the unique index of id: every string starting with the prefix sorts between the prefix
        // and the prefix with its last character incremented (SQLite compares text as UTF-8 bytes, which
        // orders like code points).
        char last = prefix.charAt(prefix.length() - 1);
        if (Character.isSurrogate(last) || last == Character.MAX_VALUE) {
            throw new IllegalArgumentException("id prefix must not end in a surrogate or U+FFFF: " + prefix);
        }
        String upper = prefix.substring(0, prefix.length() - 1) + (char) (last + 1);
        List<Origin> out = new ArrayList<>();
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT id, namespace, kind, source_id FROM memories WHERE id >= ? AND id < ? ORDER BY id")) {
            ps.setString(1, prefix);
            ps.setString(2, upper);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new Origin(rs.getString(1), rs.getString(2), MemoryKinds.canonical(rs.getString(3)),
                            rs.getString(4)));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("originsWithIdPrefix", e);
        }
    }

    /**
     * Exact top-{@code k} by cosine similarity among the memories of {@code namespace} that pass
     * {@code filter} (null: none). Clears {@code out}, fills it best first with the id, similarity
     * (1 - cosine distance) and the structural fields, and returns the number of rows. Kind and minimum
     * confidence are applied inside the KNN scan, so they never cost rows; a tag filter is applied after
     * an over-fetching scan (at most 4096 rows) and may return fewer than k rows for a rare tag.
     *
     * @param k 1..4096 (sqlite-vec's limit) and at most {@code out.capacity()}
     */
    @Override
    public int topK(String namespace, float[] query, int k, RetrievalFilter filter, CandidateSet out) {
        try {
            return search.topK(namespace, query, k, filter, out);
        } catch (SQLException e) {
            throw failure("top-k search", e);
        }
    }

    /**
     * Counts one use of memory {@code id} at {@code atMs}; when {@code success} (0..1) is given, folds it
     * into the memory's success rate as a running mean over its uses. Returns false when no memory has
     * that id (it may have been deleted since it was retrieved).
     */
    public boolean recordUse(String id, long atMs, Float success) {
        requireWritable();
        try {
            return writer.recordUse(id, atMs, success);
        } catch (SQLException e) {
            throw failure("recordUse", e);
        }
    }

    /** The full record with this id, or null. */
    public MemoryRecord get(String id) {
        try {
            if (getById == null) {
                getById = connection.prepareStatement("""
                        SELECT id, namespace, kind, text, session_id, created_at_ms, last_used_at_ms, use_count,
                               success_rate, reward, confidence, cheap_outcome, strong_outcome, tags, source_id, embedding
                        FROM memories WHERE id = ?""");
            }
            getById.setString(1, id);
            try (ResultSet rs = getById.executeQuery()) {
                return rs.next() ? readRecord(rs) : null;
            }
        } catch (SQLException e) {
            throw failure("get", e);
        }
    }

    /** Every memory of the store, in insertion order (the {@code --store} seed publishes them). */
    public void forEach(java.util.function.Consumer<MemoryRecord> action) {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT id, namespace, kind, text, session_id, created_at_ms, last_used_at_ms, use_count,
                            success_rate, reward, confidence, cheap_outcome, strong_outcome, tags, source_id, embedding
                     FROM memories ORDER BY seq""")) {
            while (rs.next()) {
                action.accept(readRecord(rs));
            }
        } catch (SQLException e) {
            throw failure("forEach", e);
        }
    }

    private static MemoryRecord readRecord(ResultSet rs) throws SQLException {
        MemoryRecord r = new MemoryRecord();
        r.id = rs.getString(1);
        r.namespace = rs.getString(2);
        r.kind = MemoryKinds.canonical(rs.getString(3));
        r.text = rs.getString(4);
        r.sessionId = rs.getString(5);
        r.createdAtMs = rs.getLong(6);
        r.lastUsedAtMs = rs.getLong(7);
        r.useCount = rs.getInt(8);
        r.successRate = KnnSearch.nullableFloat(rs, 9);
        r.reward = KnnSearch.nullableFloat(rs, 10);
        r.confidence = KnnSearch.nullableFloat(rs, 11);
        r.cheapOutcome = KnnSearch.nullableFloat(rs, 12);
        r.strongOutcome = KnnSearch.nullableFloat(rs, 13);
        r.tags = TagsJson.decode(rs.getString(14));
        r.sourceId = rs.getString(15);
        r.embedding = Float32Blob.decode(rs.getBytes(16));
        return r;
    }

    public long count() {
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM memories")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw failure("count", e);
        }
    }

    /** namespace -> kind -> number of memories, both levels sorted by name. */
    public Map<String, Map<String, Long>> countsByNamespaceAndKind() {
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        try (Statement st = connection.createStatement();
             ResultSet rs = st.executeQuery(
                     "SELECT namespace, kind, count(*) FROM memories GROUP BY namespace, kind")) {
            while (rs.next()) {
                counts.computeIfAbsent(rs.getString(1), ns -> new TreeMap<>()).put(rs.getString(2), rs.getLong(3));
            }
            return counts;
        } catch (SQLException e) {
            throw failure("countsByNamespaceAndKind", e);
        }
    }

    /** The store's connection, for {@link QuantizedIndex} (same thread, same life). */
    Connection connection() {
        return connection;
    }

    public Path file() {
        return file;
    }

    public boolean isReadOnly() {
        return readOnly;
    }

    @Override
    public void close() {
        SQLException first = null;
        try {
            search.close();
        } catch (SQLException e) {
            first = e;
        }
        try {
            if (writer != null) {
                writer.close();
            }
            if (getById != null) {
                getById.close();
                getById = null;
            }
        } catch (SQLException e) {
            first = first == null ? e : first;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            first = first == null ? e : first;
        }
        if (first != null) {
            throw failure("close", first);
        }
    }

    private void requireWritable() {
        if (readOnly) {
            throw new IllegalStateException("memory store opened read-only: " + file);
        }
    }

    private MemoryStoreException failure(String what, SQLException e) {
        return new MemoryStoreException(what + " failed on memory store " + file + ": " + e.getMessage(), e);
    }

    private static void closeQuietly(Connection c, Exception cause) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                cause.addSuppressed(e);
            }
        }
    }
}
