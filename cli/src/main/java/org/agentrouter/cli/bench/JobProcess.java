package org.agentrouter.cli.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The routing job for the pipeline benchmark in a JVM of its own ({@code ./router run}: this JVM's main class and class path), so
 * that the generator and the consumer of decisions, which stay in the benchmark's JVM, are not counted as the job's
 * CPU. Stopped with SIGTERM (the run command then stops the job with a savepoint), SIGKILL when that hangs.
 */
final class JobProcess implements AutoCloseable {
    private static final String READY = "running against";

    private final Process process;
    private final Path log;

    private final Thread stopOnExit;

    private JobProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.stopOnExit = new Thread(process::destroy, "stop-job-process");
    }

    /**
     * @param jobArgs   the job's options ({@code JobOptions}), as on the command line
     * @param javaOpts  extra JVM options for the job (heap, GC, a profiler agent)
     */
    static JobProcess start(String bootstrap, int prometheusPort, Path workDir, List<String> jobArgs, List<String> javaOpts)
            throws Exception {
        Files.createDirectories(workDir);
        Path log = workDir.resolve("job.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The module opens and system properties ./router passed to this JVM; the heap is the job's own.
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-Drouter.")) cmd.add(a);
        }
        cmd.addAll(javaOpts);
        cmd.addAll(List.of("-cp", classPath(), cliMainClass(), "run",
                "--bootstrap", bootstrap, "--ui-port", "0", "--prometheus-port", Integer.toString(prometheusPort),
                "--work-dir", workDir.toString()));
        cmd.addAll(jobArgs);
        Files.writeString(log, String.join(" ", cmd) + System.lineSeparator());
        Process process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        JobProcess job = new JobProcess(process, log);
        // Ctrl-C or a kill of the benchmark must not leave the job running on its own.
        Runtime.getRuntime().addShutdownHook(job.stopOnExit);
        long deadline = System.currentTimeMillis() + 300_000;
        while (!Files.readString(log).contains(READY)) {
            if (!process.isAlive()) throw new IllegalStateException("the job process exited with " + process.exitValue() + "; see " + log);
            if (System.currentTimeMillis() > deadline) {
                job.close();
                throw new IllegalStateException("the job process did not start within 300 s; see " + log);
            }
            Thread.sleep(200);
        }
        System.err.println("job process " + process.pid() + " running (log: " + log + ")");
        return job;
    }

    /**
     * ./router's own class path when this JVM was started by it: the same jars spelled out one by one, in the order
     * this JVM reports them, made the child JVM crash (SIGSEGV while loading the natives) where the wildcard did not.
     */
    private static String classPath() {
        String home = System.getProperty("router.home");
        if (home != null && Files.isRegularFile(Path.of(home, "cli", "target", "router-cli.jar"))) {
            return Path.of(home, "cli", "target", "router-cli.jar") + java.io.File.pathSeparator + Path.of(home, "cli", "target", "lib") + "/*";
        }
        return System.getProperty("java.class.path");
    }

    /** The main class this JVM was started with: ./router's, whose {@code run} command starts the job. */
    private static String cliMainClass() {
        String main = System.getProperty("sun.java.command", "").trim().split("\\s+")[0];
        if (main.isEmpty() || main.endsWith(".jar")) {
            throw new IllegalStateException("bench pipeline starts the job with the CLI's run command: start it as ./router bench pipeline");
        }
        return main;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
        } catch (IllegalStateException e) {
            // already shutting down: the hook stops the process
        }
        process.destroy();
        if (!process.waitFor(90, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
}
