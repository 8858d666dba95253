package org.agentrouter.memory.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;
import java.util.List;
import java.util.function.IntConsumer;

import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.MemoryRecordChecks;
/** Writes of {@link MemoryStore}: batch upserts and deletes, and use feedback. */
final class MemoryWriter implements AutoCloseable {
    private static final String UPSERT_ROW = """
            INSERT INTO memories(id, namespace, kind, text, session_id, created_at_ms, last_used_at_ms, use_count,
                                 success_rate, reward, confidence, cheap_outcome, strong_outcome, tags, source_id, embedding)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET
              namespace = excluded.namespace, kind = excluded.kind, text = excluded.text,
              session_id = excluded.session_id, created_at_ms = excluded.created_at_ms,
              last_used_at_ms = excluded.last_used_at_ms, use_count = excluded.use_count,
              success_rate = excluded.success_rate, reward = excluded.reward, confidence = excluded.confidence,
              cheap_outcome = excluded.cheap_outcome, strong_outcome = excluded.strong_outcome,
              tags = excluded.tags, source_id = excluded.source_id, embedding = excluded.embedding
            RETURNING seq""";
    // vec0 has no UPDATE of a partition key or vector in place: a re-upserted id is deleted and inserted again.
    private static final String DELETE_VECTOR = "DELETE FROM vec_memories WHERE rowid = ?";
    private static final String DELETE_ROW = "DELETE FROM memories WHERE id = ? RETURNING seq";
    private static final String INSERT_VECTOR =
            "INSERT INTO vec_memories(rowid, namespace, embedding, kind, confidence) VALUES (?, ?, ?, ?, ?)";
    // Running mean over uses: the right-hand side sees the old use_count, so the new value is the
    // (use_count + 1)-th observation. An unknown rate starts at the first observation.
    private static final String RECORD_USE = """
            UPDATE memories SET
              use_count = use_count + 1,
              last_used_at_ms = ?,
              success_rate = CASE
                WHEN ? IS NULL THEN success_rate
                WHEN success_rate IS NULL THEN ?
                ELSE success_rate + (? - success_rate) / (use_count + 1) END
            WHERE id = ?""";

    private static final int PROGRESS_EVERY = 256;

    private final Connection connection;
    private final Float32Blob vectorBlob = new Float32Blob(MemorySchema.DIM);
    private PreparedStatement upsertRow;
    private PreparedStatement deleteVector;
    private PreparedStatement insertVector;
    private PreparedStatement deleteRow;
    private PreparedStatement recordUse;

    MemoryWriter(Connection connection) {
        this.connection = connection;
    }

    /**
     * Upserts {@code batch} and deletes the memories with the ids {@code deletes} in one transaction; returns
     * how many of those ids were there. {@code written} counts upserts only.
     */
    int write(List<MemoryRecord> batch, Collection<String> deletes, IntConsumer written) throws SQLException {
        // Validate everything before writing anything, so a bad record names itself and leaves no trace.
        for (int i = 0; i < batch.size(); i++) {
            MemoryRecordChecks.requireValid(batch.get(i), i);
        }
        prepareUpsert();
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        int deleted = 0;
        try {
            for (int i = 0; i < batch.size(); i++) {
                MemoryRecord r = batch.get(i);
                // Both statements bind the same buffer; SQLite copies a blob when the statement runs.
                byte[] vector = vectorBlob.encode(r.embedding);
                long seq = upsertRow(r, vector);
                deleteVector.setLong(1, seq);
                deleteVector.executeUpdate();
                insertVector.setLong(1, seq);
                insertVector.setString(2, r.namespace);
                insertVector.setBytes(3, vector);
                insertVector.setString(4, r.kind);
                insertVector.setDouble(5, Float.isNaN(r.confidence) ? MemorySchema.UNKNOWN_CONFIDENCE : r.confidence);
                insertVector.executeUpdate();
                if ((i + 1) % PROGRESS_EVERY == 0 || i + 1 == batch.size()) {
                    written.accept(i + 1);
                }
            }
            for (String id : deletes) {
                deleteRow.setString(1, id);
                try (ResultSet rs = deleteRow.executeQuery()) {
                    if (!rs.next()) continue;
                    deleteVector.setLong(1, rs.getLong(1));
                }
                deleteVector.executeUpdate();
                deleted++;
            }
            connection.commit();
            return deleted;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    private long upsertRow(MemoryRecord r, byte[] vector) throws SQLException {
        PreparedStatement ps = upsertRow;
        ps.setString(1, r.id);
        ps.setString(2, r.namespace);
        ps.setString(3, r.kind);
        ps.setString(4, r.text);
        ps.setString(5, r.sessionId);
        ps.setLong(6, r.createdAtMs);
        ps.setLong(7, r.lastUsedAtMs);
        ps.setInt(8, r.useCount);
        setNullableFloat(ps, 9, r.successRate);
        setNullableFloat(ps, 10, r.reward);
        setNullableFloat(ps, 11, r.confidence);
        setNullableFloat(ps, 12, r.cheapOutcome);
        setNullableFloat(ps, 13, r.strongOutcome);
        ps.setString(14, TagsJson.encode(r.tags));
        ps.setString(15, r.sourceId);
        ps.setBytes(16, vector);
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("upsert of " + r.id + " returned no row");
            }
            return rs.getLong(1);
        }
    }

    boolean recordUse(String id, long atMs, Float success) throws SQLException {
        if (id == null) {
            throw new IllegalArgumentException("id is null");
        }
        if (success != null && !(success >= 0f && success <= 1f)) {
            throw new IllegalArgumentException("success must be in [0, 1], got " + success);
        }
        if (recordUse == null) {
            recordUse = connection.prepareStatement(RECORD_USE);
        }
        recordUse.setLong(1, atMs);
        for (int p = 2; p <= 4; p++) {
            if (success == null) {
                recordUse.setNull(p, Types.REAL);
            } else {
                recordUse.setDouble(p, success);
            }
        }
        recordUse.setString(5, id);
        return recordUse.executeUpdate() == 1;
    }

    private void prepareUpsert() throws SQLException {
        if (upsertRow == null) {
            upsertRow = connection.prepareStatement(UPSERT_ROW);
            deleteVector = connection.prepareStatement(DELETE_VECTOR);
            insertVector = connection.prepareStatement(INSERT_VECTOR);
            deleteRow = connection.prepareStatement(DELETE_ROW);
        }
    }

    private static void setNullableFloat(PreparedStatement ps, int index, float v) throws SQLException {
        if (Float.isNaN(v)) {
            ps.setNull(index, Types.REAL);
        } else {
            ps.setDouble(index, v);
        }
    }

    @Override
    public void close() throws SQLException {
        SQLException first = null;
        for (PreparedStatement ps : new PreparedStatement[] {upsertRow, deleteVector, insertVector, deleteRow, recordUse}) {
            if (ps != null) {
                try {
                    ps.close();
                } catch (SQLException e) {
                    first = first == null ? e : first;
                }
            }
        }
        upsertRow = deleteVector = insertVector = deleteRow = recordUse = null;
        if (first != null) {
            throw first;
        }
    }
}
