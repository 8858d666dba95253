package org.agentrouter.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds Prometheus's own programs (prometheus, promtool, amtool: Debian packages prometheus and
 * prometheus-alertmanager, which .ci/run installs). A developer machine without them skips the tests that need
 * them; CI ({@code CI=true}) fails instead, so that the alert checks can never be skipped there unnoticed.
 */
public final class PrometheusTools {
    private PrometheusTools() {}

    /** The program on PATH, or in {@code PROMETHEUS_BIN_DIR} when set. */
    public static Optional<Path> find(String program) {
        String dir = System.getenv("PROMETHEUS_BIN_DIR");
        if (dir != null && Files.isExecutable(Path.of(dir, program))) return Optional.of(Path.of(dir, program));
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String d : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(d, program);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    /** The program, or the test is skipped (on CI: fails) naming the package that has it. */
    public static Path require(String program, String debianPackage) {
        Optional<Path> p = find(program);
        if (p.isPresent()) return p.get();
        String message = program + " is not installed (apt-get install " + debianPackage + "; .ci/run does)";
        if (onCi()) fail(message + ": CI must run this test");
        Assumptions.abort(message);
        throw new IllegalStateException("unreachable");
    }

    static boolean onCi() {
        String ci = System.getenv("CI");
        return ci != null && (ci.equalsIgnoreCase("true") || ci.equals("1"));
    }
}
