package org.agentrouter.cli.bench;

import com.sun.tools.attach.VirtualMachine;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Flame graphs of the job's process over each measured window: async-profiler ({@code libasyncProfiler.so}, e.g. from
 * the Maven Central jar {@code tools.profiler:async-profiler}) is loaded into the job's JVM through the attach API at
 * the start of a window and dumps an HTML flame graph at its end, so start-up and warm-up stay out of the picture.
 * CPU sampling costs the job a little CPU itself (about 1% at the 10 ms interval used here).
 */
final class JobProfiler {
    private final Path library;
    private final long pid;
    private final Path outDir;
    private final String baseName;
    private boolean running;

    JobProfiler(Path library, long pid, Path outDir, String baseName) {
        if (!Files.isRegularFile(library)) throw new IllegalArgumentException("--profile-job: no such file " + library);
        this.library = library.toAbsolutePath();
        this.pid = pid;
        this.outDir = outDir;
        this.baseName = baseName;
    }

    void start() {
        command("start,event=cpu,interval=10ms");
        running = true;
    }

    /** Stops sampling and writes the flame graph of the window as {@code BASE-LABEL.html}; returns its path. */
    Path stop(String label) {
        if (!running) return null;
        running = false;
        Path html = outDir.resolve(baseName + "-flame-" + label + ".html").toAbsolutePath();
        try {
            Files.createDirectories(outDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        command("stop,file=" + html);
        return html;
    }

    private void command(String args) {
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                // Loading an already loaded agent library again only passes it the new command.
                vm.loadAgentPath(library.toString(), args);
            } finally {
                vm.detach();
            }
        } catch (Exception e) {
            System.err.println("profiler command '" + args + "' failed on process " + pid + ": " + e);
        }
    }
}
