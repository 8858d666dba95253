package org.agentrouter.memory.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.sqlite.SQLiteConnection;

/**
 * Locates sqlite-vec's loadable extension (vec0) and loads it on SQLite connections.
 *
 * <p>Resolution order: the system property {@value #PATH_PROPERTY} or the environment variable
 * {@value #PATH_ENV} (an explicit path always wins, so an operator can pin a build); otherwise the
 * classpath resource {@code native/<os>-<arch>/vec0.<ext>}, which the operators jar carries so that
 * TaskManagers on other hosts need nothing installed. SQLite can only load a library from a file, so
 * the resource is copied once per class loader into a private temporary directory.
 */
public final class VecExtension {
    public static final String PATH_PROPERTY = "router.vec0";
    public static final String PATH_ENV = "ROUTER_VEC0";
    static final String INSTALL_SCRIPT = "scripts/install-sqlite-vec.sh";
    /** Named explicitly so that the library file name does not have to follow SQLite's naming rule. */
    private static final String ENTRY_POINT = "sqlite3_vec_init";

    private static volatile Path resolved;

    private VecExtension() {}

    /** Path of the vec0 library for this JVM; resolved (and extracted if needed) on first call. */
    public static Path library() {
        Path p = resolved;
        if (p == null) {
            synchronized (VecExtension.class) {
                p = resolved;
                if (p == null) {
                    p = resolve(System.getProperty(PATH_PROPERTY), System.getenv(PATH_ENV),
                            VecExtension.class.getClassLoader(),
                            System.getProperty("os.name"), System.getProperty("os.arch"));
                    resolved = p;
                }
            }
        }
        return p;
    }

    /**
     * Loads vec0 on {@code connection}, which must have been opened with
     * {@code SQLiteConfig.enableLoadExtension(true)}; returns {@code vec_version()}. Extension loading is
     * switched off again afterwards so that SQL reaching this connection cannot load other libraries.
     */
    public static String load(Connection connection) throws SQLException {
        Path lib = library();
        try (PreparedStatement load = connection.prepareStatement("SELECT load_extension(?, ?)")) {
            load.setString(1, lib.toString());
            load.setString(2, ENTRY_POINT);
            load.executeQuery().close();
        } catch (SQLException e) {
            String message = String.valueOf(e.getMessage());
            String hint = message.contains("not authorized")
                    ? " (open the connection with SQLiteConfig.enableLoadExtension(true))" : "";
            // Keep SQLite's error code: callers tell "file is not a database" apart by it.
            throw new SQLException("could not load sqlite-vec from " + lib + hint + ": " + message,
                    e.getSQLState(), e.getErrorCode(), e);
        }
        connection.unwrap(SQLiteConnection.class).getDatabase().enable_load_extension(false);
        try (Statement st = connection.createStatement(); ResultSet rs = st.executeQuery("SELECT vec_version()")) {
            String version = rs.next() ? rs.getString(1) : null;
            if (version == null || version.isEmpty()) {
                throw new SQLException("sqlite-vec loaded from " + lib + " but vec_version() returned nothing");
            }
            return version;
        }
    }

    /** The resolution rule, with every input explicit so that tests can exercise each branch. */
    static Path resolve(String property, String env, ClassLoader loader, String osName, String osArch) {
        String explicit = notBlank(property) ? property : notBlank(env) ? env : null;
        if (explicit != null) {
            Path p = Path.of(explicit).toAbsolutePath();
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("sqlite-vec library " + p + " (from " + (notBlank(property)
                        ? "-D" + PATH_PROPERTY : PATH_ENV) + ") does not exist");
            }
            return p;
        }
        String resource = resourceName(osName, osArch);
        URL url = loader == null ? null : loader.getResource(resource);
        if (url == null) {
            throw new IllegalStateException("sqlite-vec library not found: no classpath resource " + resource
                    + " and neither -D" + PATH_PROPERTY + " nor " + PATH_ENV + " is set. Run "
                    + INSTALL_SCRIPT + " and rebuild, or point " + PATH_ENV + " at a vec0 library.");
        }
        return extract(url, resource.substring(resource.lastIndexOf('/') + 1));
    }

    /** {@code native/<os>-<arch>/vec0.<ext>}, named as {@value #INSTALL_SCRIPT} names it. */
    static String resourceName(String osName, String osArch) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        String ext;
        if (os.startsWith("linux")) {
            os = "linux";
            ext = "so";
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            os = "darwin";
            ext = "dylib";
        } else {
            throw new IllegalStateException("sqlite-vec: unsupported OS '" + osName + "'; set " + PATH_ENV
                    + " to a vec0 library built for it");
        }
        String arch = switch (osArch == null ? "" : osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> throw new IllegalStateException("sqlite-vec: unsupported architecture '" + osArch
                    + "'; set " + PATH_ENV + " to a vec0 library built for it");
        };
        return "native/" + os + "-" + arch + "/vec0." + ext;
    }

    private static Path extract(URL url, String fileName) {
        return org.agentrouter.memory.kernels.NativeKernels.extract(url, fileName, "sqlite-vec");
    }

    private static boolean notBlank(String s) {
        return s != null && !s.isBlank();
    }
}
