package org.agentrouter.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a JVM of the cluster detached from the launcher: output to {@code logs/NAME.out}, pid to
 * {@code pids/NAME.pid}. The CLI exits right after {@code cluster up}; its processes must not die with it
 * or with the terminal, hence setsid (a new session: no SIGHUP from the shell that started it).
 */
final class ProcessLauncher {
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final File NO_INPUT = new File("/dev/null");

    private final ClusterLayout layout;

    ProcessLauncher(ClusterLayout layout) {
        this.layout = layout;
    }

    ClusterProcess start(String name, List<String> javaArgs) {
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) command.add(SETSID.toString());
        command.add(javaExecutable());
        command.addAll(javaArgs);
        Path out = layout.logDir().resolve(name + ".out");
        Path pidFile = layout.pidDir().resolve(name + ".pid");
        try {
            Files.writeString(out, "# " + String.join(" ", command) + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(command)
                    .directory(layout.root().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(NO_INPUT))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(out.toFile()))
                    .start();
            // setsid execs java in the same process (the child is no group leader), so this is java's pid.
            Files.writeString(pidFile, process.pid() + "\n");
            return new ClusterProcess(name, process.pid(), pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    private static String javaExecutable() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
