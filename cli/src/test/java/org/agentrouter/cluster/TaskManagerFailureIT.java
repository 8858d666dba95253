package org.agentrouter.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import org.agentrouter.job.JobOptions;
import org.agentrouter.wire.Topics;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Failure without loss on a real cluster: a JobManager, two TaskManagers and a Kafka broker, each its own
 * JVM. The job runs at parallelism 2 with a checkpoint per second while queries arrive at a steady rate; the
 * TaskManager running most of its subtasks is killed with SIGKILL mid-stream. The job must come back on
 * the surviving TaskManager and every query must get a decision; in exactly-once mode, exactly one.
 *
 * <p>Runs in the verify phase (failsafe): it submits the cluster jar that package builds.
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TaskManagerFailureIT {
    private static final int QUERIES_PER_SECOND = 50;
    private static final int STREAM_SECONDS = 20;
    private static final int KILL_AFTER_SECONDS = 8;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Path RUN_DIR = Path.of("target/cluster-it").toAbsolutePath();
    private static final Path JOB_JAR = TestCluster.JOB_JAR;

    private TestCluster cluster;
    /** The agent's spans here, the TaskManagers' over OTLP to a receiver here: one query in 10 is traced. */
    private QueryTraces traces;
    // What the current run observed and when (seconds from the kill), printed by every diagnosis.
    private final List<String> timeline = Collections.synchronizedList(new ArrayList<>());
    private volatile long killNanos;
    private volatile DecisionCollector collector;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = TestCluster.start(RUN_DIR, 200);
        traces = new QueryTraces(10);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) cluster.close();
        if (traces != null) traces.close();
    }

    // At-least-once runs first: a cancelled exactly-once job can leave a transaction open on routing-decisions
    // (until its timeout), and a read_committed reader sees nothing past it, including a later run's decisions.
    @Test
    @Order(1)
    void atLeastOnceLosesNothing() throws Exception {
        FailureRun run = runWithTaskManagerKill("at-least-once");
        assertEquals(Set.of(), run.missing, "queries without a decision");
        // Duplicates are expected here (replay since the last checkpoint): reported, not asserted.
    }

    @Test
    @Order(2)
    void exactlyOnceLosesNothingAndDuplicatesNothing() throws Exception {
        FailureRun run = runWithTaskManagerKill("exactly-once");
        assertEquals(Set.of(), run.missing, "queries without a decision");
        assertEquals(0, run.duplicates, "duplicated decisions in exactly-once mode");
    }

    private FailureRun runWithTaskManagerKill(String guarantee) throws Exception {
        ensureTaskManagers(2);
        String group = "failure-it-" + guarantee;
        startGroupAtEndOfQueries(group);
        JobOptions options = new JobOptions();
        options.store = cluster.storeFile;
        options.parallelism = 2;
        options.checkpointIntervalMs = 1000;
        options.guarantee = guarantee;
        options.groupId = group;
        options.otlpEndpoint = traces.receiver.endpoint();
        String jobId = ClusterJobSubmitter.submit(cluster.rest.address(), cluster.bootstrap, options, JOB_JAR).toString();
        try {
            return runAndKill(guarantee, jobId);
        } catch (Exception | AssertionError e) {
            // A failed run must not hold the TaskManagers' slots: failsafe's rerun and the next test start clean.
            try {
                cluster.rest.cancel(jobId);
            } catch (IOException | RuntimeException cancelFailure) {
                e.addSuppressed(cancelFailure);
            }
            throw e;
        }
    }

    private FailureRun runAndKill(String guarantee, String jobId) throws Exception {
        await("job " + jobId + " running", () -> fullyRunning(jobId));

        String prefix = guarantee + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
        List<String> sent = Collections.synchronizedList(new ArrayList<>());
        try (DecisionCollector decisions = new DecisionCollector(cluster.bootstrap, prefix)) {
            collector = decisions;
            timeline.clear();
            Thread traffic = new Thread(() -> produce(prefix, sent), "query-traffic");
            traffic.start();
            Thread.sleep(KILL_AFTER_SECONDS * 1000L);

            Map<String, Integer> placement = cluster.rest.subtasksPerTaskManager(jobId);
            String victimName = Collections.max(placement.entrySet(), Map.Entry.comparingByValue()).getKey();
            int decidedBeforeKill = decisions.counts().size();
            long killEpochMs = System.currentTimeMillis();
            killNanos = System.nanoTime();
            cluster.local.process(victimName).kill();
            mark("killed " + victimName + " (subtasks per TaskManager " + placement + ") after " + decidedBeforeKill + " decisions");

            await("failover of " + jobId + " to begin", () -> !fullyRunning(jobId));
            mark("job no longer fully running; " + decisions.describe());
            await("job " + jobId + " running again", () -> fullyRunning(jobId));
            long runningNanos = System.nanoTime();
            mark("job fully running again; " + decisions.describe());

            traffic.join();
            mark("traffic done: " + sent.size() + " queries sent");
            Set<String> expected = new TreeSet<>(sent);
            // Every query sent after the kill can only be decided by the recovered job, so this is the recovery check.
            await("a decision for each of " + expected.size() + " queries",
                    () -> decisions.counts().keySet().containsAll(expected));
            mark("every query decided");
            checkTraces(prefix, decisions, runningNanos);
            // Late duplicates (at-least-once replay) arrive with the rest; give stragglers a moment.
            Thread.sleep(2_000);
            cluster.rest.cancel(jobId);

            // -1 when the recovered job had decided every query before the REST API showed all its tasks running.
            long firstDecisionNanos = decisions.firstArrivalAfter(runningNanos);
            FailureRun run = new FailureRun(guarantee, expected, decisions.counts(), placement, victimName,
                    decidedBeforeKill, detectionMs(jobId, killEpochMs), (runningNanos - killNanos) / 1_000_000,
                    firstDecisionNanos < 0 ? -1 : (firstDecisionNanos - killNanos) / 1_000_000);
            run.report(RUN_DIR.resolve("recovery-" + guarantee + ".txt"));
            await("job " + jobId + " cancelled", () -> "CANCELED".equals(cluster.rest.job(jobId).path("state").asText()));
            System.out.println("after cancelling the " + guarantee + " job, " + diagnosis());
            return run;
        } finally {
            collector = null;
        }
    }

    /**
     * Traces across the failover. The trace context is never lost: every traced query's decision carries its agent's
     * trace. And each traced query first decided 3 s or more after the kill (so by live TaskManagers: the spans a killed
     * one had not exported yet are gone, as with any tracer) has a whole trace: the agent's span, the consume span and
     * every stage span under it, the LLM call under the routing span. Some of them were sent while the job was down:
     * their traces span the failover.
     */
    private void checkTraces(String prefix, DecisionCollector decisions, long runningNanos) throws Exception {
        List<String> traced = traces.tracedQueries().stream().filter(id -> id.startsWith(prefix)).sorted().toList();
        for (String id : traced) {
            String header = decisions.traceparents().get(id);
            assertTrue(header != null && header.contains(traces.agentTraceId(id)), "decision of " + id + " continues its trace: " + header);
        }
        long afterKill = killNanos + 3_000_000_000L;
        List<String> recovered = traced.stream().filter(id -> decisions.firstSeenNanos(id) > afterKill).toList();
        assertFalse(recovered.isEmpty(), "traced queries decided after the kill");
        long acrossFailover = recovered.stream().filter(id -> traces.sentNanos(id) > killNanos && traces.sentNanos(id) < runningNanos).count();
        assertTrue(acrossFailover > 0, "a traced query sent while the job was down, decided by the recovered job");
        await("a whole trace for each of " + recovered.size() + " traced queries decided by the recovered job",
                () -> recovered.stream().allMatch(id -> traces.problem(id, decisions.traceparents().get(id)) == null));
        mark("traces whole: " + recovered.size() + " traced queries decided after the kill, " + acrossFailover
                + " of them sent while the job was down; " + traces.receiver.describe());
    }

    private void mark(String event) {
        timeline.add(String.format("%+.1f s %s", (System.nanoTime() - killNanos) / 1e9, event));
    }

    private void produce(String prefix, List<String> sent) {
        TestCluster.produceSteadily(cluster.producer, cluster.store, prefix, QUERIES_PER_SECOND, STREAM_SECONDS, sent, traces);
    }

    /** When the JobManager recorded the failure (from the job's exception history), in ms after the kill; -1 if unknown. */
    private long detectionMs(String jobId, long killEpochMs) {
        try {
            long first = Long.MAX_VALUE;
            for (JsonNode e : cluster.rest.get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries")) {
                long ts = e.path("timestamp").asLong();
                if (ts >= killEpochMs) first = Math.min(first, ts);
            }
            return first == Long.MAX_VALUE ? -1 : first - killEpochMs;
        } catch (IOException e) {
            return -1;
        }
    }

    /** The previous run's queries stay on the topic: a new consumer group starts after them. */
    private void startGroupAtEndOfQueries(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap))) {
            int partitions = admin.describeTopics(List.of(Topics.AGENT_QUERIES)).allTopicNames().get()
                    .get(Topics.AGENT_QUERIES).partitions().size();
            Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
            for (int p = 0; p < partitions; p++) latest.put(new TopicPartition(Topics.AGENT_QUERIES, p), OffsetSpec.latest());
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listOffsets(latest).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> new OffsetAndMetadata(e.getValue().offset())));
            admin.alterConsumerGroupOffsets(group, offsets).all().get();
        }
    }

    /**
     * Every run starts on fresh TaskManagers, so it tests the failover of a job, not a TaskManager that has
     * already hosted one (and its failover). Earlier "came back RUNNING but produced nothing" failures, first
     * blamed on such reuse, were the test's own race: see "Failure without loss" in BENCHMARKS.md.
     */
    private void ensureTaskManagers(int count) throws Exception {
        for (ClusterProcess p : cluster.local.processes()) {
            if (p.name().startsWith(LocalCluster.TASKMANAGER_PREFIX) && p.isAlive()) p.stop(Duration.ofSeconds(20));
        }
        await("the JobManager to see no TaskManager", () -> cluster.rest.overview().path("taskmanagers").asInt() == 0);
        for (int i = 1; i <= count; i++) cluster.local.startTaskManager(i);
        await(count + " TaskManagers registered", () -> {
            JsonNode o = cluster.rest.overview();
            return o.path("taskmanagers").asInt() == count && o.path("slots-available").asInt() == o.path("slots-total").asInt();
        });
    }

    private boolean fullyRunning(String jobId) throws IOException {
        return cluster.rest.fullyRunning(jobId);
    }

    private void await(String what, TestCluster.Check check) throws Exception {
        TestCluster.await(what, WAIT, check, this::diagnosis);
    }

    /** What a timeout needs to be understood from CI output alone: processes, jobs, and the decisions topic. */
    private String diagnosis() {
        StringBuilder out = new StringBuilder("diagnosis:\n");
        synchronized (timeline) {
            timeline.forEach(event -> out.append("  ").append(event).append('\n'));
        }
        DecisionCollector current = collector;
        if (current != null) out.append("  ").append(current.describe()).append('\n');
        if (traces != null) out.append("  traces: ").append(traces.receiver.describe()).append('\n');
        try {
            for (ClusterProcess p : cluster.local.processes()) out.append("  process ").append(p.name()).append(p.isAlive() ? " alive" : " dead").append('\n');
            out.append("  overview ").append(cluster.rest.overview()).append('\n');
            for (JsonNode job : cluster.rest.get("/jobs/overview").path("jobs")) {
                String id = job.path("jid").asText();
                out.append("  job ").append(id).append(' ').append(job.path("state").asText()).append(" tasks ").append(job.path("tasks")).append('\n');
                for (JsonNode e : cluster.rest.get("/jobs/" + id + "/exceptions").path("exceptionHistory").path("entries")) {
                    out.append("    exception ").append(e.path("exceptionName").asText()).append(" on ")
                            .append(e.path("taskManagerId").asText()).append(": ")
                            .append(firstLine(e.path("stacktrace").asText())).append('\n');
                }
            }
        } catch (Exception e) {
            out.append("  (cluster state unavailable: ").append(e).append(")\n");
        }
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap))) {
            List<TopicPartition> partitions = new ArrayList<>();
            int n = admin.describeTopics(List.of(Topics.ROUTING_DECISIONS)).allTopicNames().get().get(Topics.ROUTING_DECISIONS).partitions().size();
            for (int p = 0; p < n; p++) partitions.add(new TopicPartition(Topics.ROUTING_DECISIONS, p));
            Map<TopicPartition, OffsetSpec> latest = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            var end = admin.listOffsets(latest).all().get();
            var stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            var producers = admin.describeProducers(partitions).all().get();
            for (TopicPartition tp : partitions) {
                out.append("  ").append(tp).append(" end ").append(end.get(tp).offset())
                        .append(" last stable ").append(stable.get(tp).offset());
                producers.get(tp).activeProducers().stream().filter(s -> s.currentTransactionStartOffset().isPresent())
                        .forEach(s -> out.append(" open transaction of producer ").append(s.producerId())
                                .append(" from offset ").append(s.currentTransactionStartOffset().getAsLong()));
                out.append('\n');
            }
        } catch (Exception e) {
            out.append("  (topic state unavailable: ").append(e).append(")\n");
        }
        return out.toString();
    }

    private static String firstLine(String text) {
        int nl = text.indexOf('\n');
        return nl < 0 ? text : text.substring(0, nl);
    }

    /** What one run with a TaskManager kill delivered, and how long recovery took. */
    private static final class FailureRun {
        final String guarantee;
        final Set<String> missing = new TreeSet<>();
        final int sent;
        final int duplicates;
        final String text;

        FailureRun(String guarantee, Set<String> expected, Map<String, Integer> counts, Map<String, Integer> placement,
                   String victim, int decidedBeforeKill, long detectedMs, long runningAgainMs, long firstDecisionMs) {
            this.guarantee = guarantee;
            this.sent = expected.size();
            for (String id : expected) if (!counts.containsKey(id)) missing.add(id);
            this.duplicates = counts.values().stream().mapToInt(n -> n - 1).sum();
            this.text = String.format("%s: sent %d queries at %d/s, killed %s (subtasks per TaskManager %s) after %d decisions;"
                            + " failure detected after %s, job running again after %d ms, first new decision after %s;"
                            + " decided %d, missing %d, duplicate decisions %d",
                    guarantee, sent, QUERIES_PER_SECOND, victim, placement, decidedBeforeKill,
                    detectedMs < 0 ? "?" : detectedMs + " ms", runningAgainMs,
                    firstDecisionMs < 0 ? "? (none after the job was seen running)" : firstDecisionMs + " ms",
                    counts.size(), missing.size(), duplicates);
        }

        void report(Path file) throws IOException {
            System.out.println("RECOVERY " + text);
            Files.writeString(file, text + "\n");
        }
    }
}
