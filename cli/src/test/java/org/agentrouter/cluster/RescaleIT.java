package org.agentrouter.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.stream.Collectors;
import org.agentrouter.job.JobOptions;
import org.agentrouter.wire.Topics;
import org.agentrouter.wire.AvroWire;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Rescaling a running job the way an operator does it, on a real cluster (JobManager, two TaskManagers and a
 * Kafka broker, each its own JVM): the job runs at parallelism 1 in exactly-once mode while queries arrive at a
 * steady rate, {@code ./router stop} takes a savepoint and stops it mid-stream, and the job is submitted again
 * from that savepoint at parallelism 2 while the traffic goes on. Every query must get exactly one decision,
 * and every decision must come from the scorer with memory context (no namespace lost its memories).
 */
@Tag("cluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RescaleIT {
    private static final int QUERIES_PER_SECOND = 40;
    private static final int STREAM_SECONDS = 24;
    private static final int STOP_AFTER_SECONDS = 8;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final Path RUN_DIR = Path.of("target/rescale-it").toAbsolutePath();
    private static final Path JOB_JAR = TestCluster.JOB_JAR;

    private TestCluster cluster;

    @BeforeAll
    void startCluster() throws Exception {
        cluster = TestCluster.start(RUN_DIR, 200);
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) cluster.close();
    }

    @Test
    void stopWithSavepointThenResumeAtParallelismTwoLosesAndDuplicatesNothing() throws Exception {
        JobOptions options = new JobOptions();
        options.store = cluster.storeFile;
        options.parallelism = 1;
        options.checkpointIntervalMs = 1000;
        options.guarantee = "exactly-once";
        options.groupId = "rescale-it";
        String first = ClusterJobSubmitter.submit(cluster.rest.address(), cluster.bootstrap, options, JOB_JAR).toString();
        await("job " + first + " running", () -> cluster.rest.fullyRunning(first));
        awaitMemoriesLoaded();

        List<String> sent = Collections.synchronizedList(new ArrayList<>());
        try (DecisionCollector decisions = new DecisionCollector(cluster.bootstrap, "rescale-")) {
            Thread traffic = new Thread(() -> produce(sent), "query-traffic");
            traffic.start();
            Thread.sleep(STOP_AFTER_SECONDS * 1000L);

            long stopNanos = System.nanoTime();
            String savepoint = cluster.rest.stopWithSavepoint(first, null, WAIT);
            long stoppedMs = (System.nanoTime() - stopNanos) / 1_000_000;
            await("job " + first + " finished", () -> "FINISHED".equals(cluster.rest.job(first).path("state").asText()));
            int decidedBeforeRescale = decisions.counts().size();

            options.parallelism = 2;
            options.fromSavepoint = savepoint;
            String second = ClusterJobSubmitter.submit(cluster.rest.address(), cluster.bootstrap, options, JOB_JAR).toString();
            await("job " + second + " running at parallelism 2", () -> cluster.rest.fullyRunning(second));
            long resumedMs = (System.nanoTime() - stopNanos) / 1_000_000;
            assertEquals(2, retrievalParallelism(second), "the retrieval stage's parallelism after the rescale");

            traffic.join();
            Set<String> expected = new TreeSet<>(sent);
            await("a decision for each of " + expected.size() + " queries", () -> decisions.counts().keySet().containsAll(expected));
            Thread.sleep(2_000); // late duplicates, if any, arrive with the rest
            String stop = cluster.rest.stopWithSavepoint(second, null, WAIT);

            Map<String, Integer> counts = decisions.counts();
            Set<String> missing = expected.stream().filter(id -> !counts.containsKey(id)).collect(Collectors.toCollection(TreeSet::new));
            int duplicates = counts.values().stream().mapToInt(n -> n - 1).sum();
            Set<String> withoutMemory = expected.stream().filter(id -> !decisions.servedWithMemory().getOrDefault(id, false))
                    .collect(Collectors.toCollection(TreeSet::new));
            String report = String.format("rescale 1 -> 2: sent %d queries at %d/s, stopped with a savepoint after %d decisions in %d ms,"
                            + " running again at parallelism 2 after %d ms; decided %d, missing %d, duplicates %d, without memory %d;"
                            + " savepoints %s, %s",
                    expected.size(), QUERIES_PER_SECOND, decidedBeforeRescale, stoppedMs, resumedMs, counts.size(),
                    missing.size(), duplicates, withoutMemory.size(), savepoint, stop);
            System.out.println("RESCALE " + report);
            Files.writeString(RUN_DIR.resolve("rescale.txt"), report + "\n");

            assertTrue(decidedBeforeRescale > 0, "the first job decided queries before it was stopped");
            assertEquals(Set.of(), missing, "queries without a decision");
            assertEquals(0, duplicates, "duplicated decisions (exactly-once, stop with savepoint)");
            assertEquals(Set.of(), withoutMemory, "decisions made without memory context");
        }
    }

    /**
     * The store is a seed: submit publishes it to agent-memories and the job loads it from there, so the first
     * queries can come before the memories. Probe every namespace until a decision there has memory context.
     */
    private void awaitMemoriesLoaded() throws Exception {
        try (DecisionCollector probes = new DecisionCollector(cluster.bootstrap, "probe-")) {
            int n = 0;
            for (String ns : TestStore.NAMESPACES) {
                String prefix = "probe-" + ns + "-";
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (probes.servedWithMemory().entrySet().stream().noneMatch(e -> e.getKey().startsWith(prefix) && e.getValue())) {
                    if (System.nanoTime() > deadline) throw new AssertionError("memories of " + ns + " never loaded; jobs: " + cluster.rest.jobsOverview());
                    var q = cluster.store.query(prefix + n++, ns);
                    cluster.producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, ns, AvroWire.QUERY.encode(q))).get();
                    Thread.sleep(500);
                }
            }
        }
    }

    private int retrievalParallelism(String jobId) throws IOException {
        for (JsonNode vertex : cluster.rest.job(jobId).path("vertices")) {
            if (vertex.path("name").asText().contains("retrieve")) return vertex.path("parallelism").asInt();
        }
        throw new AssertionError("no retrieval vertex in job " + jobId + ": " + cluster.rest.job(jobId));
    }

    private void produce(List<String> sent) {
        TestCluster.produceSteadily(cluster.producer, cluster.store, "rescale-", QUERIES_PER_SECOND, STREAM_SECONDS, sent);
    }

    private void await(String what, TestCluster.Check check) throws Exception {
        TestCluster.await(what, WAIT, check, () -> {
            try {
                return "jobs: " + cluster.rest.jobsOverview();
            } catch (IOException e) {
                return "(jobs unavailable: " + e + ")";
            }
        });
    }
}
