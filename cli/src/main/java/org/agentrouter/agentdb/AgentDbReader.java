package org.agentrouter.agentdb;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.agentrouter.features.FeatureLayout;

/**
 * Reads the memory tables of an AgentDB 1.6.1 snapshot: checks that the tables and columns exist and
 * that every vector has the router's embedding dimension, then streams the rows with their embeddings.
 */
final class AgentDbReader {
    static final int DIM = FeatureLayout.EMBEDDING_DIM;

    private final AgentDbSnapshot snapshot;
    private final List<AgentDbTable> present = new ArrayList<>();

    /** Throws {@link AgentDbException} when a required table or column is missing. */
    AgentDbReader(AgentDbSnapshot snapshot) {
        this.snapshot = snapshot;
        try {
            Set<String> tables = tableNames(snapshot.connection());
            for (AgentDbTable t : AgentDbTable.values()) {
                boolean has = tables.contains(t.table);
                boolean hasEmbeddings = tables.contains(t.embeddingTable);
                if (!has && !hasEmbeddings && !t.required) {
                    continue;
                }
                if (!has || !hasEmbeddings) {
                    throw new AgentDbException("AgentDB file " + snapshot.source() + " has no table "
                            + (has ? t.embeddingTable : t.table) + " (not an AgentDB 1.6.1 database?)");
                }
                requireColumns(t.table, t.columns);
                requireColumns(t.embeddingTable, List.of(t.embeddingKey, "embedding"));
                present.add(t);
            }
        } catch (SQLException e) {
            throw new AgentDbException("cannot read AgentDB file " + snapshot.source() + ": " + e.getMessage(), e);
        }
    }

    List<AgentDbTable> tables() {
        return List.copyOf(present);
    }

    /** Rows in the memory tables, for a progress bar. */
    long rowCount() {
        long n = 0;
        for (AgentDbTable t : present) {
            try (Statement st = snapshot.connection().createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t.table)) {
                rs.next();
                n += rs.getLong(1);
            } catch (SQLException e) {
                throw new AgentDbException("cannot count rows of " + t.table + " in AgentDB file "
                        + snapshot.source() + ": " + e.getMessage(), e);
            }
        }
        return n;
    }

    /**
     * Every row of every present table, in id order. Throws {@link AgentDbException} at the first vector
     * whose size is not {@link #DIM} float32 values: a file embedded by another model cannot be searched
     * with the router's query vectors, so none of it is imported.
     */
    void forEachRow(Consumer<AgentDbRow> sink) {
        for (AgentDbTable t : present) {
            String sql = "SELECT t.*, e.embedding AS agentdb_import_embedding FROM " + t.table + " t LEFT JOIN "
                    + t.embeddingTable + " e ON e." + t.embeddingKey + " = t.id ORDER BY t.id";
            try (Statement st = snapshot.connection().createStatement(); ResultSet rs = st.executeQuery(sql)) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> columns = new HashMap<>();
                    byte[] embedding = null;
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        String name = meta.getColumnLabel(i);
                        if (name.equals("agentdb_import_embedding")) {
                            embedding = rs.getBytes(i);
                        } else {
                            columns.put(name, rs.getObject(i));
                        }
                    }
                    AgentDbRow row = new AgentDbRow(t, ((Number) columns.get("id")).longValue(), columns, embedding);
                    requireDimension(row);
                    sink.accept(row);
                }
            } catch (SQLException e) {
                throw new AgentDbException("cannot read " + t.table + " of AgentDB file " + snapshot.source()
                        + ": " + e.getMessage(), e);
            }
        }
    }

    private void requireDimension(AgentDbRow row) {
        byte[] blob = row.embedding();
        if (blob != null && blob.length != DIM * Float.BYTES) {
            String size = blob.length % Float.BYTES == 0 ? (blob.length / Float.BYTES) + "-d vector" : "blob";
            throw new AgentDbException("AgentDB file " + snapshot.source() + ", " + row.table().embeddingTable
                    + " of " + row.where() + ": a " + size + " of " + blob.length + " bytes; the router's embedder makes "
                    + DIM + "-d vectors (float32, " + DIM * Float.BYTES + " bytes). The file was embedded with "
                    + "another model; nothing was imported.");
        }
    }

    private void requireColumns(String table, List<String> wanted) throws SQLException {
        Set<String> have = new HashSet<>();
        try (Statement st = snapshot.connection().createStatement();
             ResultSet rs = st.executeQuery("PRAGMA table_info(" + table + ")")) {
            while (rs.next()) {
                have.add(rs.getString("name"));
            }
        }
        List<String> missing = new ArrayList<>(wanted);
        missing.removeAll(have);
        if (!missing.isEmpty()) {
            throw new AgentDbException("AgentDB file " + snapshot.source() + ": table " + table + " lacks columns "
                    + missing + " (not an AgentDB 1.6.1 database?)");
        }
    }

    private static Set<String> tableNames(Connection c) throws SQLException {
        Set<String> names = new HashSet<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT name FROM sqlite_master WHERE type = 'table'")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
