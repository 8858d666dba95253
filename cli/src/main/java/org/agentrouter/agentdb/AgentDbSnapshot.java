package org.agentrouter.agentdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteOpenMode;

/**
 * A consistent, read-only copy of an agent's AgentDB file.
 *
 * <p>AgentDB 1.6.1 keeps its database in memory (sql.js) and on close rewrites the whole file with a plain
 * truncate-and-write, without SQLite's locking or journal. Opening the agent's file directly could read a
 * half-written file, and SQLite would still take locks and may leave a journal next to it. So the bytes
 * are copied, the copy is checked (the source did not change while it was copied, SQLite header and page
 * count match the length, {@code PRAGMA quick_check}), and only the copy is opened, read-only. A copy that
 * fails a check is taken again a few times, since the agent may just be rewriting the file; after that
 * the file is reported as corrupt. The agent's file is only ever read.
 */
public final class AgentDbSnapshot implements AutoCloseable {
    static final int ATTEMPTS = 4;
    private static final long RETRY_PAUSE_MS = 250;
    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(StandardCharsets.US_ASCII);

    private final Path source;
    private final Path copy;
    private final Connection connection;

    private AgentDbSnapshot(Path source, Path copy, Connection connection) {
        this.source = source;
        this.copy = copy;
        this.connection = connection;
    }

    /** Copies and opens {@code file}; throws {@link AgentDbException} naming it when no valid copy could be taken. */
    public static AgentDbSnapshot take(Path file) {
        Path source = file.toAbsolutePath();
        if (!Files.isRegularFile(source)) {
            throw new AgentDbException("AgentDB file not found: " + source);
        }
        String lastProblem = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            if (attempt > 1) {
                pause();
            }
            Path copy = null;
            try {
                copy = Files.createTempFile("agentdb-snapshot-", ".db");
                String problem = copyStable(source, copy);
                if (problem == null) {
                    problem = checkHeader(copy);
                }
                if (problem == null) {
                    Connection c = openReadOnly(copy);
                    problem = quickCheck(c);
                    if (problem == null) {
                        return new AgentDbSnapshot(source, copy, c);
                    }
                    c.close();
                }
                lastProblem = problem;
            } catch (IOException | SQLException e) {
                lastProblem = e.getMessage();
            }
            deleteQuietly(copy);
        }
        throw new AgentDbException("AgentDB file " + source + " is not a readable SQLite database (" + ATTEMPTS
                + " copies tried): " + lastProblem);
    }

    /** The open, read-only connection to the copy. */
    public Connection connection() {
        return connection;
    }

    /** The agent's file (absolute), as named in ids, sources and messages. */
    public Path source() {
        return source;
    }

    /** Copies the bytes; a problem text when the file changed meanwhile (size or modification time). */
    private static String copyStable(Path source, Path copy) throws IOException {
        long sizeBefore = Files.size(source);
        FileTime modifiedBefore = Files.getLastModifiedTime(source);
        byte[] bytes = Files.readAllBytes(source);
        if (sizeBefore != bytes.length || Files.size(source) != sizeBefore
                || !Files.getLastModifiedTime(source).equals(modifiedBefore)) {
            return "the file changed while it was copied (the agent is writing it)";
        }
        Files.write(copy, bytes);
        return null;
    }

    /**
     * A file cut short by an interrupted rewrite can still open, and quick_check does not always read the
     * missing pages; the header's page count says how long the file must be.
     */
    private static String checkHeader(Path copy) throws IOException {
        byte[] bytes = Files.readAllBytes(copy);
        if (bytes.length == 0) {
            return "the file is empty";
        }
        if (bytes.length < 100 || !Arrays.equals(bytes, 0, SQLITE_MAGIC.length, SQLITE_MAGIC, 0, SQLITE_MAGIC.length)) {
            return "no SQLite header (file is not a database)";
        }
        ByteBuffer header = ByteBuffer.wrap(bytes, 0, 100).order(ByteOrder.BIG_ENDIAN);
        int rawPageSize = header.getShort(16) & 0xffff;
        long pageSize = rawPageSize == 1 ? 65536 : rawPageSize;
        long pageCount = header.getInt(28) & 0xffffffffL;
        // The in-header page count is valid only when written by SQLite 3.7.0+ (change counter = version-valid-for).
        boolean countValid = header.getInt(24) == header.getInt(92);
        if (pageSize < 512 || Long.bitCount(pageSize) != 1) {
            return "invalid page size " + pageSize + " in the SQLite header";
        }
        if (bytes.length % pageSize != 0) {
            return "length " + bytes.length + " is not a whole number of " + pageSize + "-byte pages (truncated?)";
        }
        if (countValid && pageCount * pageSize != bytes.length) {
            return "the header says " + pageCount + " pages of " + pageSize + " bytes but the file has "
                    + bytes.length + " bytes (truncated?)";
        }
        return null;
    }

    private static Connection openReadOnly(Path copy) throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        config.setReadOnly(true);
        config.setOpenMode(SQLiteOpenMode.READONLY);
        return config.createConnection("jdbc:sqlite:" + copy);
    }

    private static String quickCheck(Connection c) {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA quick_check")) {
            StringBuilder problems = new StringBuilder();
            while (rs.next()) {
                String line = rs.getString(1);
                if (!"ok".equals(line)) {
                    problems.append(problems.length() == 0 ? "" : "; ").append(line);
                }
            }
            return problems.length() == 0 ? null : "integrity check failed: " + problems;
        } catch (SQLException e) {
            return "integrity check failed: " + e.getMessage();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AgentDbException("interrupted while taking a snapshot of an AgentDB file", e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // A leftover temporary file is harmless.
            }
        }
    }

    @Override
    public void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // Read-only copy: nothing to lose.
        }
        deleteQuietly(copy);
    }
}
