package org.agentrouter.memory.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.VectorChecks;
/**
 * The per-query path of {@link MemoryStore#topK}. Statements are prepared on first use and kept for the
 * life of the store (one per combination of in-scan filters), and the query vector is encoded into one
 * reused buffer, so a search allocates only what it returns.
 */
final class KnnSearch implements AutoCloseable {
    /** sqlite-vec 0.1.x refuses larger k. */
    static final int MAX_K = 4096;
    /**
     * The tag filter runs after the KNN scan (tags are not a vec0 column, and a memory has any number of
     * them), so it first asks for this many times k rows, then scans again for more while that was not
     * enough, up to {@link #MAX_K}. A tag carried by only a few of a namespace's 4,096 nearest memories
     * can therefore return fewer than k rows even though more exist further away.
     */
    private static final int TAG_OVERFETCH = 4;

    private static final int KIND_BIT = 1;
    private static final int CONFIDENCE_BIT = 2;

    private final Connection connection;
    private final Float32Blob queryBlob = new Float32Blob(MemorySchema.DIM);
    private final PreparedStatement[] statements = new PreparedStatement[4];

    KnnSearch(Connection connection) {
        this.connection = connection;
    }

    int topK(String namespace, float[] query, int k, RetrievalFilter filter, CandidateSet out) throws SQLException {
        if (namespace == null) {
            throw new IllegalArgumentException("namespace is null");
        }
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("k must be in [1, " + MAX_K + "], got " + k);
        }
        if (k > out.capacity()) {
            throw new IllegalArgumentException("k = " + k + " exceeds the candidate set capacity " + out.capacity());
        }
        VectorChecks.requireValid(query, "query vector");
        RetrievalFilter f = filter == null ? RetrievalFilter.NONE : filter;
        byte[] blob = queryBlob.encode(query);

        out.clear();
        if (!f.hasTag()) {
            scan(namespace, blob, k, f, k, out);
            return out.size();
        }
        int fetch = Math.min(MAX_K, k * TAG_OVERFETCH);
        while (true) {
            int scanned = scan(namespace, blob, fetch, f, k, out);
            if (out.size() == k || scanned < fetch || fetch == MAX_K) {
                return out.size();
            }
            // Size the next scan by the tag's hit rate so far, with a margin, rather than jumping to MAX_K:
            // vec0's scan cost levels off above ~1,000 rows (measured over 10k: k=400 17 ms, 1,250 41 ms,
            // 4,096 42 ms), but every returned row still costs a primary-key lookup and a tag decode.
            double hitRate = Math.max(1, out.size()) / (double) scanned;
            fetch = (int) Math.min(MAX_K, Math.max(2L * fetch, (long) Math.ceil(1.25 * k / hitRate)));
            out.clear();
        }
    }

    /**
     * Runs one KNN scan of {@code fetch} rows and keeps the first {@code keep} that pass the tag filter.
     * Returns the rows read, which equals {@code fetch} when the namespace may hold more matches.
     */
    private int scan(String namespace, byte[] blob, int fetch, RetrievalFilter f, int keep, CandidateSet out)
            throws SQLException {
        PreparedStatement ps = statement(f);
        int p = 1;
        ps.setBytes(p++, blob);
        ps.setInt(p++, fetch);
        ps.setString(p++, namespace);
        if (f.hasKind()) {
            ps.setString(p++, f.kind());
        }
        if (f.hasMinConfidence()) {
            ps.setDouble(p, f.minConfidence());
        }
        int scanned = 0;
        String tag = f.hasTag() ? f.tag() : null;
        try (ResultSet rs = ps.executeQuery()) {
            while (out.size() < keep && rs.next()) {
                scanned++;
                String[] tags = TagsJson.decode(rs.getString(12));
                if (tag != null && !TagsJson.contains(tags, tag)) {
                    continue;
                }
                int i = out.add(rs.getString(1), (float) (1.0 - rs.getDouble(2)));
                out.createdAtMs[i] = rs.getLong(3);
                out.lastUsedAtMs[i] = rs.getLong(4);
                out.useCount[i] = rs.getInt(5);
                out.successRate[i] = nullableFloat(rs, 6);
                out.confidence[i] = nullableFloat(rs, 7);
                out.cheapOutcome[i] = nullableFloat(rs, 8);
                out.strongOutcome[i] = nullableFloat(rs, 9);
                out.sessionId[i] = rs.getString(10);
                out.kind[i] = MemoryKinds.canonical(rs.getString(11));
                out.tags[i] = tags;
            }
        }
        return scanned;
    }

    private PreparedStatement statement(RetrievalFilter f) throws SQLException {
        int slot = (f.hasKind() ? KIND_BIT : 0) | (f.hasMinConfidence() ? CONFIDENCE_BIT : 0);
        PreparedStatement ps = statements[slot];
        if (ps == null) {
            ps = connection.prepareStatement(sql(f.hasKind(), f.hasMinConfidence()));
            statements[slot] = ps;
        }
        return ps;
    }

    static String sql(boolean byKind, boolean byConfidence) {
        // MATERIALIZED keeps SQLite from turning the join inside out (driving the scan from `memories`):
        // the KNN must run once, then look its k rows up by primary key.
        return "WITH knn AS MATERIALIZED ("
                + " SELECT rowid, distance FROM vec_memories"
                + " WHERE embedding MATCH ? AND k = ? AND namespace = ?"
                + (byKind ? " AND kind = ?" : "")
                + (byConfidence ? " AND confidence >= ?" : "")
                + ")"
                + " SELECT m.id, knn.distance, m.created_at_ms, m.last_used_at_ms, m.use_count, m.success_rate,"
                + " m.confidence, m.cheap_outcome, m.strong_outcome, m.session_id, m.kind, m.tags"
                + " FROM knn JOIN memories m ON m.seq = knn.rowid"
                + " ORDER BY knn.distance, m.id";
    }

    static float nullableFloat(ResultSet rs, int column) throws SQLException {
        double v = rs.getDouble(column);
        return rs.wasNull() ? Float.NaN : (float) v;
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (int i = 0; i < statements.length; i++) {
            if (statements[i] != null) {
                try {
                    statements[i].close();
                } catch (SQLException e) {
                    first = first == null ? e : first;
                }
                statements[i] = null;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
