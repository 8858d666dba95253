package org.agentrouter.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** One process of a local cluster, known by the pid file {@code cluster up} wrote: {@code pids/NAME.pid}. */
public final class ClusterProcess {
    private final String name;
    private final long pid;
    private final Path pidFile;

    ClusterProcess(String name, long pid, Path pidFile) {
        this.name = name;
        this.pid = pid;
        this.pidFile = pidFile;
    }

    static ClusterProcess fromPidFile(Path pidFile) {
        String file = pidFile.getFileName().toString();
        try {
            long pid = Long.parseLong(Files.readString(pidFile).trim());
            return new ClusterProcess(file.substring(0, file.length() - ".pid".length()), pid, pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read pid file " + pidFile, e);
        }
    }

    public String name() { return name; }
    public long pid() { return pid; }

    public boolean isAlive() {
        return handle().map(ProcessHandle::isAlive).orElse(false);
    }

    /** SIGKILL: the process gets no chance to clean up, as in a machine or JVM crash. */
    public void kill() {
        handle().ifPresent(ProcessHandle::destroyForcibly);
        awaitExit(Duration.ofSeconds(10));
    }

    /** SIGTERM (Flink's and the broker's shutdown hooks run), then SIGKILL after {@code grace}; removes the pid file. */
    public void stop(Duration grace) {
        Optional<ProcessHandle> handle = handle();
        if (handle.isPresent() && handle.get().isAlive()) {
            handle.get().destroy();
            if (!awaitExit(grace)) {
                handle.get().destroyForcibly();
                awaitExit(Duration.ofSeconds(10));
            }
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove pid file " + pidFile, e);
        }
    }

    private boolean awaitExit(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isAlive()) {
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isAlive();
            }
        }
        return true;
    }

    private Optional<ProcessHandle> handle() {
        return ProcessHandle.of(pid);
    }

    @Override
    public String toString() {
        return name + " (pid " + pid + ")";
    }
}
