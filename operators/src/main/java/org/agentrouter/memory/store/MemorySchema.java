package org.agentrouter.memory.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.agentrouter.wire.Embeddings;

/**
 * Tables of a memory store file.
 *
 * <p>{@code memories} is the source of truth and keeps every field, the vector included, so the vector
 * index can be rebuilt. {@code vec_memories} is sqlite-vec's index over the same rows (same rowid as
 * {@code memories.seq}): the namespace is its partition key, so a search scans one namespace's chunks
 * only, and kind and confidence are metadata columns, so filters on them run inside the KNN scan instead
 * of cutting k rows down afterwards.
 */
final class MemorySchema {
    static final int VERSION = 1;
    static final int DIM = Embeddings.DIM;
    /** vec0 rejects NULL in a float metadata column; unknown confidence is stored as this instead. */
    static final float UNKNOWN_CONFIDENCE = org.agentrouter.memory.MemoryKinds.UNKNOWN_CONFIDENCE;

    private MemorySchema() {}

    private static final String[] DDL = {
        """
        CREATE TABLE store_meta(
          key   TEXT PRIMARY KEY,
          value TEXT NOT NULL)""",
        """
        CREATE TABLE memories(
          seq             INTEGER PRIMARY KEY,
          id              TEXT NOT NULL UNIQUE,
          namespace       TEXT NOT NULL,
          kind            TEXT NOT NULL CHECK (kind IN ('episode', 'skill', 'pattern')),
          text            TEXT NOT NULL,
          session_id      TEXT,
          created_at_ms   INTEGER NOT NULL,
          last_used_at_ms INTEGER NOT NULL,
          use_count       INTEGER NOT NULL,
          success_rate    REAL,
          reward          REAL,
          confidence      REAL,
          cheap_outcome   REAL,
          strong_outcome  REAL,
          tags            TEXT NOT NULL,
          source_id       TEXT,
          embedding       BLOB NOT NULL)""",
        "CREATE INDEX memories_namespace_kind ON memories(namespace, kind)",
        """
        CREATE VIRTUAL TABLE vec_memories USING vec0(
          namespace  TEXT PARTITION KEY,
          embedding  float[%d] distance_metric=cosine,
          kind       TEXT,
          confidence FLOAT)""".formatted(DIM),
    };

    /** Creates the tables in an empty database. */
    static void create(Connection c, String vecVersion) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String ddl : DDL) {
                st.execute(ddl);
            }
        }
        try (PreparedStatement put = c.prepareStatement("INSERT INTO store_meta(key, value) VALUES (?, ?)")) {
            for (Map.Entry<String, String> e : Map.of(
                    "schema_version", Integer.toString(VERSION),
                    "embedding_dim", Integer.toString(DIM),
                    "distance_metric", "cosine",
                    "created_with_sqlite_vec", vecVersion).entrySet()) {
                put.setString(1, e.getKey());
                put.setString(2, e.getValue());
                put.executeUpdate();
            }
        }
    }

    static boolean isEmptyDatabase(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
            return rs.next() && rs.getLong(1) == 0;
        }
    }

    /** Throws unless {@code c} holds a memory store this code can read. */
    static void verify(Connection c, String where) throws SQLException {
        Map<String, String> meta = readMeta(c, where);
        String version = meta.get("schema_version");
        if (version == null || !version.equals(Integer.toString(VERSION))) {
            throw new MemoryStoreException("memory store " + where + " has schema version " + version
                    + "; this build reads version " + VERSION);
        }
        String dim = meta.get("embedding_dim");
        if (!Integer.toString(DIM).equals(dim)) {
            throw new MemoryStoreException("memory store " + where + " holds " + dim + "-d vectors; "
                    + "this build uses " + DIM);
        }
    }

    private static Map<String, String> readMeta(Connection c, String where) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet tables = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table' "
                     + "AND name IN ('store_meta', 'memories', 'vec_memories')")) {
            int found = 0;
            while (tables.next()) {
                found++;
            }
            if (found < 3) {
                throw new MemoryStoreException("not a memory store (no store_meta/memories/vec_memories "
                        + "tables): " + where);
            }
        }
        Map<String, String> meta = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT key, value FROM store_meta")) {
            while (rs.next()) {
                meta.put(rs.getString(1), rs.getString(2));
            }
        }
        return meta;
    }
}
