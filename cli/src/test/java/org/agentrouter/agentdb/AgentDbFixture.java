package org.agentrouter.agentdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes real AgentDB files with the agentdb npm package (tools/agentdb-fixture, installed by the job
 * module's build before the tests run) and reads them back for comparisons.
 */
public final class AgentDbFixture {
    static final Path DIR = Path.of("..", "tools", "agentdb-fixture").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();

    private AgentDbFixture() {}

    /** Runs make-agentdb.mjs on {@code file} (created or grown) with {@code spec} (see the script's header). */
    public static void write(Path file, Map<String, Object> spec) throws IOException, InterruptedException {
        assertTrue(Files.isDirectory(DIR.resolve("node_modules/agentdb")),
                "agentdb is not installed in " + DIR + ": run tools/agentdb-fixture/build.sh (Maven does it before the tests)");
        Path specFile = Files.createTempFile("agentdb-spec-", ".json");
        JSON.writeValue(specFile.toFile(), spec);
        Process p = new ProcessBuilder("node", DIR.resolve("make-agentdb.mjs").toString(), file.toString(), specFile.toString())
                .directory(DIR.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "make-agentdb.mjs timed out");
        assertEquals(0, p.exitValue(), "make-agentdb.mjs failed:\n" + output);
        Files.delete(specFile);
    }

    /** table -> row id -> the embedding blob as floats, read from a copy (the test never opens the agent's file). */
    public static Map<Long, float[]> vectors(Path file, String embeddingTable, String key) throws IOException, SQLException {
        Path copy = Files.createTempFile("agentdb-read-", ".db");
        Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Map<Long, float[]> out = new HashMap<>();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy);
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + key + ", embedding FROM " + embeddingTable)) {
            while (rs.next()) {
                byte[] blob = rs.getBytes(2);
                float[] v = new float[blob.length / 4];
                ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
                out.put(rs.getLong(1), v);
            }
        } finally {
            Files.deleteIfExists(copy);
        }
        return out;
    }

    /** One column of one row, read from a copy. */
    static Object value(Path file, String sql) throws IOException, SQLException {
        Path copy = Files.createTempFile("agentdb-read-", ".db");
        Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + copy);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getObject(1) : null;
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /**
     * Deletes rows (and their embeddings) from an AgentDB file with plain SQLite, as an agent's own cleanup
     * would; each argument is "TABLE ID", e.g. "episodes 2".
     */
    public static void deleteRows(Path agent, String... tableAndId) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + agent); Statement st = c.createStatement()) {
            for (String t : tableAndId) {
                String[] parts = t.split(" ");
                long id = Long.parseLong(parts[1]);
                String embeddings = switch (parts[0]) {
                    case "episodes" -> "episode_embeddings WHERE episode_id";
                    case "skills" -> "skill_embeddings WHERE skill_id";
                    case "reasoning_patterns" -> "pattern_embeddings WHERE pattern_id";
                    default -> throw new IllegalArgumentException(parts[0]);
                };
                st.execute("DELETE FROM " + embeddings + " = " + id);
                assertEquals(1, st.executeUpdate("DELETE FROM " + parts[0] + " WHERE id = " + id), t);
            }
        }
    }

    public static Map<String, Object> episode(String session, String task, double reward, boolean success, List<String> tags) {
        Map<String, Object> e = new HashMap<>();
        e.put("sessionId", session);
        e.put("task", task);
        e.put("reward", reward);
        e.put("success", success);
        if (tags != null) {
            e.put("tags", tags);
        }
        return e;
    }
}
