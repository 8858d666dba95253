package org.agentrouter.memory.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteConfig;

/** Runs against the real vec0 library; when it is missing these tests fail with the install hint. */
class VecExtensionTest {
    private static final ClassLoader EMPTY = new URLClassLoader(new URL[0], null);
    private static final String OS = System.getProperty("os.name");
    private static final String ARCH = System.getProperty("os.arch");

    @Test
    void mapsJavaPlatformNamesToTheInstallScriptsDirectories() {
        assertEquals("native/linux-x86_64/vec0.so", VecExtension.resourceName("Linux", "amd64"));
        assertEquals("native/linux-aarch64/vec0.so", VecExtension.resourceName("Linux", "aarch64"));
        assertEquals("native/darwin-aarch64/vec0.dylib", VecExtension.resourceName("Mac OS X", "aarch64"));
        assertEquals("native/darwin-x86_64/vec0.dylib", VecExtension.resourceName("Mac OS X", "x86_64"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> VecExtension.resourceName("Windows 11", "amd64"));
        assertTrue(e.getMessage().contains(VecExtension.PATH_ENV), e.getMessage());
    }

    @Test
    void explicitPathWinsAndPropertyBeatsEnvironment(@TempDir Path dir) throws Exception {
        Path fromProperty = Files.writeString(dir.resolve("a.so"), "a");
        Path fromEnv = Files.writeString(dir.resolve("b.so"), "b");
        assertEquals(fromProperty, VecExtension.resolve(fromProperty.toString(), fromEnv.toString(), EMPTY, OS, ARCH));
        assertEquals(fromEnv, VecExtension.resolve(null, fromEnv.toString(), EMPTY, OS, ARCH));
        assertEquals(fromEnv, VecExtension.resolve(" ", fromEnv.toString(), EMPTY, OS, ARCH));
    }

    @Test
    void explicitPathThatDoesNotExistIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("nope/vec0.so");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> VecExtension.resolve(missing.toString(), null, EMPTY, OS, ARCH));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void nothingFoundPointsAtTheInstallScript() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> VecExtension.resolve(null, null, EMPTY, "Linux", "amd64"));
        assertTrue(e.getMessage().contains("scripts/install-sqlite-vec.sh"), e.getMessage());
        assertTrue(e.getMessage().contains("native/linux-x86_64/vec0.so"), e.getMessage());
    }

    @Test
    void classpathResourceIsExtractedToAFile() throws Exception {
        String resource = VecExtension.resourceName(OS, ARCH);
        Path extracted = VecExtension.resolve(null, null, getClass().getClassLoader(), OS, ARCH);
        assertTrue(Files.isRegularFile(extracted));
        assertTrue(extracted.getFileName().toString().startsWith("vec0."));
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(resource)) {
            assertArrayEquals(in.readAllBytes(), Files.readAllBytes(extracted));
        }
    }

    @Test
    void loadsOnAConnectionAndThenLocksExtensionLoading() throws Exception {
        assertEquals(VecExtension.library(), VecExtension.library(), "resolved once per JVM");
        SQLiteConfig config = new SQLiteConfig();
        config.enableLoadExtension(true);
        try (Connection c = config.createConnection("jdbc:sqlite::memory:")) {
            assertEquals("v0.1.9", VecExtension.load(c));
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT vec_distance_cosine('[1, 0]', '[0, 1]')")) {
                rs.next();
                assertEquals(1.0, rs.getDouble(1), 1e-6);
            }
            try (Statement st = c.createStatement()) {
                assertThrows(SQLException.class,
                        () -> st.executeQuery("SELECT load_extension('" + VecExtension.library() + "')"));
            }
        }
    }

    @Test
    void connectionWithoutExtensionLoadingGetsAnExplainedError() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite::memory:")) {
            SQLException e = assertThrows(SQLException.class, () -> VecExtension.load(c));
            assertTrue(e.getMessage().contains("enableLoadExtension"), e.getMessage());
        }
    }
}
