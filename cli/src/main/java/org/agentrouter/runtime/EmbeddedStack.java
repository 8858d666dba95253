package org.agentrouter.runtime;

import org.agentrouter.job.MemoryPublisher;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.agentrouter.job.JobOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;

/**
 * The whole router in one process for client tests and benchmarks: a real Kafka broker, the topics,
 * a small set of random memories published to agent-memories and the routing job (parallelism 1, 1 s checkpoints). The job can be
 * cancelled and started again on the same consumer group to exercise a client's fallback and recovery.
 *
 * <p>{@link #startAuthenticated} is the same stack on a broker that wants SASL/SCRAM and enforces ACLs
 * ({@link RouterAcls}): the job runs as principal {@code router}, and {@link #agentProperties()} is the properties
 * file of principal {@code agent}, whose ACLs are those an agent needs.
 *
 * <p>{@link #main} serves programs in other languages (the TypeScript client's tests): it prints
 * {@code BOOTSTRAP=host:port} (with {@code --authenticated} also {@code AGENT_PROPERTIES=file}) once everything
 * runs, and stops when its stdin closes.
 */
public final class EmbeddedStack implements AutoCloseable {
    public static final String NAMESPACE = "client-e2e";
    private static final int MEMORIES = 200;

    private final Path dir;
    private final EmbeddedKafkaBroker broker;
    private final JobOptions options;
    /** Null unless authenticated. */
    private final Path agentProperties;
    private JobClient job;

    private EmbeddedStack(Path dir, EmbeddedKafkaBroker broker, JobOptions options, Path agentProperties) {
        this.dir = dir;
        this.broker = broker;
        this.options = options;
        this.agentProperties = agentProperties;
    }

    /** Starts broker, topics and store, then the job; returns once the job is submitted. */
    public static EmbeddedStack start(Path dir) throws Exception {
        return start(dir, false, o -> { });
    }

    /** The same with the job's options adjusted first (tracing, for one). */
    public static EmbeddedStack start(Path dir, java.util.function.Consumer<JobOptions> adjust) throws Exception {
        return start(dir, false, adjust);
    }

    /** The same on a SASL/SCRAM broker with ACLs: the job as principal {@code router}, see {@link #agentProperties()}. */
    public static EmbeddedStack startAuthenticated(Path dir) throws Exception {
        return start(dir, true, o -> { });
    }

    private static EmbeddedStack start(Path dir, boolean authenticated, java.util.function.Consumer<JobOptions> adjust) throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0, authenticated ? scramUsers() : null);
        try {
            // The broker's super user (PLAINTEXT on a plain broker) creates topics and ACLs and publishes memories.
            TopicAdmin.ensure(broker.connection(), 2, Duration.ofSeconds(30));
            JobOptions options = new JobOptions();
            options.checkpointIntervalMs = 1000;
            options.parallelism = 1;
            adjust.accept(options);
            Path agentProperties = null;
            if (authenticated) {
                List<AclBinding> acls = new ArrayList<>(RouterAcls.job("User:router", options.groupId));
                acls.addAll(RouterAcls.agent("User:agent"));
                try (Admin admin = Admin.create(broker.connection().clientConfig())) {
                    RouterAcls.apply(admin, acls, Duration.ofSeconds(30));
                }
                options.kafkaProperties.file = broker.writeClientProperties("router", dir.resolve("router.properties"));
                agentProperties = broker.writeClientProperties("agent", dir.resolve("agent.properties"));
            }
            // Memories reach the job the way they do in production: through the agent-memories topic.
            MemoryPublisher.publishAll(broker.connection(),
                    RandomMemoryStore.records(new Random(7), List.of(NAMESPACE), MEMORIES, "embedded-stack"));
            EmbeddedStack stack = new EmbeddedStack(dir, broker, options, agentProperties);
            stack.startJob();
            return stack;
        } catch (Exception e) {
            broker.close();
            throw e;
        }
    }

    /** Random passwords: the stack lives as long as its process, and nobody types them. */
    private static EmbeddedKafkaBroker.Scram scramUsers() {
        SecureRandom rnd = new SecureRandom();
        Map<String, String> passwords = new HashMap<>();
        for (String user : List.of("admin", "router", "agent")) {
            passwords.put(user, new BigInteger(130, rnd).toString(36));
        }
        return new EmbeddedKafkaBroker.Scram("admin", passwords);
    }

    /** The properties file of principal {@code agent} (SASL/SCRAM), or null on a plain stack. */
    public Path agentProperties() {
        return agentProperties;
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
     * or {@code ERROR <message>} on stdout. With {@code --traces} the job traces every query (parent-based: an agent's
     * unsampled traceparent is still followed) to an {@link OtlpTraceReceiver} in this process, and {@code spans TRACE_ID}
     * prints that trace's spans so far, one {@code SPAN <json>} line each, before its {@code OK}.
     */
    public static void main(String[] args) throws Exception {
        List<String> arguments = List.of(args);
        boolean authenticated = arguments.contains("--authenticated");
        OtlpTraceReceiver traces = arguments.contains("--traces") ? OtlpTraceReceiver.start() : null;
        List<String> dirs = arguments.stream().filter(a -> !a.startsWith("--")).toList();
        Path dir = !dirs.isEmpty() ? Path.of(dirs.get(0)) : Files.createTempDirectory("embedded-stack");
        java.util.function.Consumer<JobOptions> tracing = o -> {
            if (traces == null) return;
            o.otlpEndpoint = traces.endpoint();
            o.traceSampling = 1.0;
        };
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (EmbeddedStack stack = EmbeddedStack.start(dir, authenticated, tracing)) {
            if (authenticated) System.out.println("AGENT_PROPERTIES=" + stack.agentProperties().toAbsolutePath());
            System.out.println("BOOTSTRAP=" + stack.bootstrap());
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String command = line.trim();
                try {
                    if (command.startsWith("spans ") && traces != null) {
                        for (OtlpTraceReceiver.ReceivedSpan span : traces.trace(command.substring(6).trim())) {
                            System.out.println("SPAN " + json.writeValueAsString(span));
                        }
                    } else {
                        switch (command) {
                            case "cancel-job" -> stack.cancelJob();
                            case "start-job" -> stack.startJob();
                            default -> throw new IllegalArgumentException("unknown command: " + line);
                        }
                    }
                    System.out.println("OK " + command);
                } catch (Exception e) {
                    System.out.println("ERROR " + e.getMessage());
                }
                System.out.flush();
            }
        } finally {
            if (traces != null) traces.close();
        }
        System.exit(0);
    }
}
