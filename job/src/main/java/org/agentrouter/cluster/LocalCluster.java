package org.agentrouter.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.agentrouter.runtime.KafkaBrokerMain;
import org.agentrouter.runtime.KafkaConnection;
import org.agentrouter.runtime.Topics;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A standalone Flink session cluster on this machine, one JVM per role, started from Flink's own entry
 * points (no flink-dist needed), plus a Kafka broker process unless an existing Kafka is given.
 *
 * <p>JVM memory flags are computed the way Flink's launch scripts compute them (the code behind
 * BashJavaUtils GET_JM/TM_RESOURCE_PARAMS), here in-process rather than through a helper JVM.
 */
public final class LocalCluster {
    public static final String JOBMANAGER = "jobmanager";
    public static final String KAFKA = "kafka";
    public static final String TASKMANAGER_PREFIX = "taskmanager-";
    private static final String JOBMANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    private static final String TASKMANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final ClusterLayout layout;
    private final ProcessLauncher launcher;

    public LocalCluster(ClusterLayout layout) {
        this.layout = layout;
        this.launcher = new ProcessLauncher(layout);
    }

    public ClusterLayout layout() {
        return layout;
    }

    /**
     * Starts every process and returns once Kafka has its topics and all TaskManagers registered with
     * the JobManager. On failure, stops whatever it started and says which log to read.
     */
    public void up(ClusterOptions options) {
        List<ClusterProcess> alive = processes().stream().filter(ClusterProcess::isAlive).toList();
        if (!alive.isEmpty()) {
            throw new IllegalStateException("a cluster is already running from " + layout.root() + ": " + alive
                    + "; stop it with ./router cluster down");
        }
        layout.createDirectories();
        ClusterConfig config = ClusterConfig.derive(options.projectConfDir.toAbsolutePath(), layout, options);
        config.writeTo(layout.confDir());
        deleteIfExists(layout.kafkaReadyFile());
        try {
            ClusterProcess kafka = options.bootstrap == null ? startKafka(options) : null;
            startJobManager(config);
            for (int i = 1; i <= options.taskManagers; i++) {
                startTaskManager(config, i);
            }
            String bootstrap = kafka == null ? options.bootstrap : awaitKafka(kafka);
            Topics.awaitBroker(KafkaConnection.of(bootstrap, kafka == null ? options.kafkaProperties : null), Duration.ofSeconds(30));
            String rest = ClusterOptions.HOST + ":" + options.restPort;
            awaitTaskManagers(new FlinkRest(rest), options.taskManagers);

            Properties state = new Properties();
            state.setProperty(ClusterLayout.REST_ADDRESS, rest);
            state.setProperty(ClusterLayout.BOOTSTRAP, bootstrap);
            layout.writeState(state);
        } catch (RuntimeException e) {
            down(Duration.ofSeconds(10));
            throw e;
        }
    }

    /** Starts one more TaskManager (e.g. to replace a killed one), with the run's generated configuration. */
    public ClusterProcess startTaskManager(int index) {
        return startTaskManager(ClusterConfig.load(layout.confDir()), index);
    }

    /** Stops the TaskManagers first (no task is left to fail over), then the JobManager, then Kafka. */
    public void down(Duration grace) {
        List<ClusterProcess> all = new ArrayList<>(processes());
        all.sort(Comparator.comparingInt(LocalCluster::stopOrder));
        for (ClusterProcess p : all) {
            p.stop(grace);
        }
    }

    /** The processes with a pid file in this run directory, alive or not. */
    public List<ClusterProcess> processes() {
        if (!Files.isDirectory(layout.pidDir())) return List.of();
        try (Stream<Path> files = Files.list(layout.pidDir())) {
            return files.filter(f -> f.toString().endsWith(".pid")).sorted()
                    .map(ClusterProcess::fromPidFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + layout.pidDir(), e);
        }
    }

    public ClusterProcess process(String name) {
        return processes().stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no process " + name + " in " + layout.pidDir()));
    }

    private static int stopOrder(ClusterProcess p) {
        if (p.name().startsWith(TASKMANAGER_PREFIX)) return 0;
        return JOBMANAGER.equals(p.name()) ? 1 : 2;
    }

    private ClusterProcess startKafka(ClusterOptions options) {
        List<String> args = new ArrayList<>(List.of("-Xmx512m", "-cp", ClusterClasspath.full(), KafkaBrokerMain.class.getName(),
                layout.kafkaDataDir().toString(), String.valueOf(options.kafkaPort),
                String.valueOf(options.kafkaPartitions), layout.kafkaReadyFile().toString()));
        return launcher.start(KAFKA, args);
    }

    private ClusterProcess startJobManager(ClusterConfig config) {
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(config.configuration());
        List<String> args = new ArrayList<>(config.javaOpts("jobmanager"));
        args.addAll(words(JobManagerProcessUtils.generateJvmParametersStr(spec, config.configuration())));
        args.addAll(logSettings(JOBMANAGER));
        args.addAll(List.of("-cp", ClusterClasspath.flink(), JOBMANAGER_MAIN, "--configDir", layout.confDir().toString()));
        args.addAll(words(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        return launcher.start(JOBMANAGER, args);
    }

    private ClusterProcess startTaskManager(ClusterConfig config, int index) {
        String name = TASKMANAGER_PREFIX + index;
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(config.configuration());
        List<String> args = new ArrayList<>(config.javaOpts("taskmanager"));
        args.addAll(words(ProcessMemoryUtils.generateJvmParametersStr(spec)));
        args.addAll(logSettings(name));
        args.addAll(List.of("-cp", ClusterClasspath.flink(), TASKMANAGER_MAIN, "--configDir", layout.confDir().toString()));
        args.addAll(words(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        // The REST API reports a TaskManager by its resource id: naming it after the process ties the two.
        args.addAll(List.of("-D", "taskmanager.resource-id=" + name));
        return launcher.start(name, args);
    }

    private List<String> logSettings(String name) {
        return List.of("-Dlog.file=" + layout.logDir().resolve(name + ".log"),
                "-Dlog4j.configurationFile=" + layout.confDir().resolve("log4j.properties").toUri());
    }

    private String awaitKafka(ClusterProcess kafka) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!Files.isRegularFile(layout.kafkaReadyFile())) {
            if (!kafka.isAlive()) {
                Path out = layout.logDir().resolve(KAFKA + ".out");
                throw new IllegalStateException("the Kafka broker exited during start; the end of " + out + ":\n" + lastLines(out, 40));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the Kafka broker did not become ready within " + START_TIMEOUT.toSeconds()
                        + " s; see " + layout.logDir().resolve(KAFKA + ".out"));
            }
            sleep(100);
        }
        try {
            return Files.readString(layout.kafkaReadyFile(), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitTaskManagers(FlinkRest rest, int expected) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        int registered = -1;
        while (System.nanoTime() < deadline) {
            for (ClusterProcess p : processes()) {
                if (!p.isAlive()) {
                    Path log = layout.logDir().resolve(p.name() + ".log");
                    throw new IllegalStateException(p + " exited during start; see " + layout.logDir().resolve(p.name() + ".out")
                            + " and the end of " + log + ":\n" + lastLines(log, 40));
                }
            }
            try {
                JsonNode overview = rest.overview();
                registered = overview.path("taskmanagers").asInt();
                if (registered >= expected) return;
            } catch (IOException e) {
                // the JobManager is still starting
            }
            sleep(200);
        }
        throw new IllegalStateException("after " + START_TIMEOUT.toSeconds() + " s, " + Math.max(registered, 0) + " of " + expected
                + " TaskManagers registered at " + rest.address() + "; see the logs in " + layout.logDir());
    }

    /** What a failed process printed last, so the error alone explains it (CI keeps no run directory). */
    private static String lastLines(Path file, int count) {
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            List<String> all = lines.toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - count), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read it: " + e.getMessage() + ")";
        }
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> words(String s) {
        return Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the cluster", e);
        }
    }
}
