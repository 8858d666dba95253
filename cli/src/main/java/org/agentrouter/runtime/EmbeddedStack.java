package org.agentrouter.runtime;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.agentrouter.job.JobOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * The whole router in one process for client tests and benchmarks: a real Kafka broker, the topics,
 * a small set of random memories published to agent-memories and the routing job (parallelism 1, 1 s checkpoints). The job can be
 * cancelled and started again on the same consumer group to exercise a client's fallback and recovery.
 *
 * <p>{@link #main} serves programs in other languages (the TypeScript client's tests): it prints
 * {@code BOOTSTRAP=host:port} once everything runs, and stops when its stdin closes.
 */
public final class EmbeddedStack implements AutoCloseable {
    public static final String NAMESPACE = "client-e2e";
    private static final int MEMORIES = 200;

    private final Path dir;
    private final EmbeddedKafkaBroker broker;
    private final JobOptions options;
    private JobClient job;

    private EmbeddedStack(Path dir, EmbeddedKafkaBroker broker, JobOptions options) {
        this.dir = dir;
        this.broker = broker;
        this.options = options;
    }

    /** Starts broker, topics and store, then the job; returns once the job is submitted. */
    public static EmbeddedStack start(Path dir) throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
        try {
            TopicAdmin.ensure(broker.bootstrapServers(), 2, Duration.ofSeconds(30));
            JobOptions options = new JobOptions();
            options.checkpointIntervalMs = 1000;
            options.parallelism = 1;
            // Memories reach the job the way they do in production: through the agent-memories topic.
            RandomMemoryStore.publish(broker.bootstrapServers(), new Random(7), List.of(NAMESPACE), MEMORIES, "embedded-stack");
            EmbeddedStack stack = new EmbeddedStack(dir, broker, options);
            stack.startJob();
            return stack;
        } catch (Exception e) {
            broker.close();
            throw e;
        }
    }

    public String bootstrap() {
        return broker.bootstrapServers();
    }

    /** Starts the job (again), with the same consumer group: it resumes from the group's committed offsets. */
    public synchronized void startJob() throws Exception {
        if (job != null) throw new IllegalStateException("the job is already running");
        job = LocalRouterJob.start(bootstrap(), options, 0, 0, dir.resolve("job"));
    }

    public synchronized void cancelJob() throws Exception {
        if (job == null) return;
        job.cancel().get();
        // cancel() returns once the request is accepted; tasks may still decide a few queries while they wind
        // down. Callers (a client's "router is down" test) need the job gone, so wait for the terminal state.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!stopped(job)) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("the job did not stop within 60 s");
            Thread.sleep(50);
        }
        job = null;
    }

    private static boolean stopped(JobClient job) {
        try {
            return job.getJobStatus().get().isGloballyTerminalState();
        } catch (Exception e) {
            return true; // a per-job MiniCluster that has shut down no longer answers: the job is gone
        }
    }

    @Override
    public void close() throws Exception {
        try {
            cancelJob();
        } finally {
            broker.close();
        }
    }

    /** A random L2-normalised vector in the job's embedding space size. */
    public static float[] randomUnitVector(Random rnd) {
        return RandomMemoryStore.unitVector(rnd);
    }

    /**
     * Runs the stack until stdin closes (the parent process ended or closed the pipe). Lines on stdin
     * control the job: {@code cancel-job} and {@code start-job}, each answered with {@code OK <line>}
     * or {@code ERROR <message>} on stdout.
     */
    public static void main(String[] args) throws Exception {
        Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("embedded-stack");
        try (EmbeddedStack stack = EmbeddedStack.start(dir)) {
            System.out.println("BOOTSTRAP=" + stack.bootstrap());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                try {
                    switch (line.trim()) {
                        case "cancel-job" -> stack.cancelJob();
                        case "start-job" -> stack.startJob();
                        default -> throw new IllegalArgumentException("unknown command: " + line);
                    }
                    System.out.println("OK " + line.trim());
                } catch (Exception e) {
                    System.out.println("ERROR " + e.getMessage());
                }
                System.out.flush();
            }
        }
        System.exit(0);
    }
}
