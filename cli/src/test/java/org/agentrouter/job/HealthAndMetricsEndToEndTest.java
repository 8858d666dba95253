package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentrouter.deploy.DashboardQueries;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.job.MemoryPublisher;
import org.agentrouter.runtime.HealthStatusReader;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.RandomMemoryStore;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.HealthStatus;
import org.agentrouter.schema.RouterHealth;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.runtime.TopicAdmin;
/**
 * The job at parallelism 2 on a real broker and MiniCluster with Flink's Prometheus reporter on: every
 * routing subtask publishes its status to router-health with no query traffic at all, the status follows
 * the decisions once queries flow, and the metric names the dashboard and the README use are the names
 * the reporter really serves.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthAndMetricsEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String NS = "agent-health";
    private static final int PARALLELISM = 2;

    @TempDir
    static Path dir;

    private TestKafka kafka;
    private JobClient job;
    private TopicIO io;
    private int prometheusPort;
    private final Random rnd = new Random(5);
    private final List<float[]> vectors = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        kafka = TestKafka.start(dir.resolve("kafka"));
        TopicAdmin.ensure(kafka.bootstrap(), PARALLELISM, Duration.ofSeconds(30));
        io = new TopicIO(kafka.bootstrap());
        JobOptions options = new JobOptions();
        options.parallelism = PARALLELISM;
        options.checkpointIntervalMs = 1000;
        options.healthIntervalMs = 1000;
        publishMemories();
        try (ServerSocket s = new ServerSocket(0)) {
            prometheusPort = s.getLocalPort();
        }
        job = LocalRouterJob.start(kafka.bootstrap(), options, 0, prometheusPort, dir.resolve("job"));
    }

    @AfterAll
    void stop() throws Exception {
        if (job != null) job.cancel().get();
        if (io != null) io.close();
        if (kafka != null) kafka.close();
    }

    @Test
    void everySubtaskReportsHealthWithoutTrafficAndCountsDecisionsOnceQueriesFlow() throws Exception {
        // No query sent yet: the ticks alone must produce a status for both routing subtasks.
        Map<Integer, RouterHealth> idle = awaitStatuses(h -> true);
        for (RouterHealth h : idle.values()) {
            assertEquals(HealthStatus.HEALTHY, h.getStatus(), "subtask " + h.getSubtask() + ": " + h.getReasons());
            assertTrue(h.getModelLoaded());
            assertTrue(h.getStoreReachable());
            assertEquals("CLOSED", h.getScorerBreaker());
            assertEquals("CLOSED", h.getRetrievalBreaker());
            assertEquals(PARALLELISM, h.getParallelism());
            assertEquals(1000, h.getIntervalMs());
            assertEquals(job.getJobID().toString(), h.getJobId());
        }

        int sent = 30;
        for (int i = 0; i < sent; i++) {
            io.send(Topics.AGENT_QUERIES, NS + "-" + (i % 6), AvroWire.QUERY.encode(query("h-" + i, i % 6)));
        }
        // Decisions show up in the statuses of the subtasks that made them, with a recent last decision.
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        long counted = 0;
        Set<Integer> decided = new TreeSet<>();
        while (counted < sent && System.currentTimeMillis() < deadline) {
            counted = 0;
            decided.clear();
            for (byte[] b : io.readUntil(Topics.ROUTER_HEALTH, got -> false, Duration.ofSeconds(2))) {
                RouterHealth h = AvroWire.HEALTH.decode(b);
                if (!h.getJobId().equals(job.getJobID().toString())) continue;
                counted += h.getDecisions();
                if (h.getDecisions() > 0) {
                    decided.add(h.getSubtask());
                    assertTrue(h.getLastDecisionAgeMs() >= 0 && h.getLastDecisionAgeMs() < h.getWindowMs() + 1000, h.toString());
                    assertEquals(0, h.getErrors(), h.toString());
                }
            }
        }
        assertEquals(sent, counted, "every decision counted once across the statuses' windows");
        assertEquals(Set.of(0, 1), decided, "queries of six namespaces reach both subtasks");

        // What ./router health prints and returns.
        HealthStatusReader.Snapshot snapshot = HealthStatusReader.read(kafka.bootstrap(), Duration.ofSeconds(10));
        assertEquals(Set.of(0, 1), snapshot.bySubtask().keySet());
        var assessment = org.agentrouter.cli.ops.HealthCommandAccess.assess(snapshot, System.currentTimeMillis());
        assertEquals(0, assessment.exitCode(), String.join("\n", assessment.lines()));
        assertTrue(assessment.lines().get(0).startsWith("HEALTHY: job " + job.getJobID()), assessment.lines().get(0));
        // The same snapshot read a minute later is stale: exit code 2.
        assertEquals(2, org.agentrouter.cli.ops.HealthCommandAccess.assess(snapshot, System.currentTimeMillis() + 60_000).exitCode());
        assertEquals(JobStatus.RUNNING, job.getJobStatus().get());
    }

    @Test
    void theDashboardAndTheReadmeUseTheNamesTheReporterServes() throws Exception {
        // A refused release registers the one lazily created metric group (rule).
        io.send(Topics.ROUTER_MODELS, "default", "not a release".getBytes());
        io.readUntil(Topics.MODEL_EVENTS, got -> !got.isEmpty(), WAIT);
        // One outcome registers the guarantee monitor's per-version group (model_version).
        io.send(Topics.ROUTING_FEEDBACK, NS, AvroWire.FEEDBACK.encode(org.agentrouter.schema.RoutingFeedback.newBuilder()
                .setQueryId("dashboard-check").setNamespace(NS).setModel("small").setRoute("cheap").setSuccess(true)
                .setEventTimeMs(System.currentTimeMillis()).setModelVersion("dashboard-check").build()));

        List<String> exprs = DashboardQueries.expressions(DashboardQueries.dashboardJson());
        Set<String> wanted = new TreeSet<>(DashboardQueries.metricNames(exprs));
        wanted.addAll(DashboardQueries.readmeMetricNames());
        Map<String, Set<String>> labels = new HashMap<>();
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        Set<String> missing = new TreeSet<>(wanted);
        while (!missing.isEmpty() && System.currentTimeMillis() < deadline) {
            labels = scrape();
            missing.removeAll(labels.keySet());
            if (!missing.isEmpty()) Thread.sleep(500);
        }
        assertEquals(Set.of(), missing, "names used by the dashboard or the README but not served by the reporter");
        for (Map.Entry<String, Set<String>> e : DashboardQueries.groupingLabels(exprs).entrySet()) {
            assertTrue(labels.get(e.getKey()).containsAll(e.getValue()),
                    e.getKey() + " is grouped by " + e.getValue() + " but carries only " + labels.get(e.getKey()));
        }
        assertTrue(labels.get(DashboardQueries.PREFIX + "endToEndLatencyMs").contains("quantile"), "histograms are summaries");
        assertTrue(labels.get(DashboardQueries.PREFIX + "queriesAccepted").contains("job_name"), "the dashboard's $job variable");
    }

    /** Metric name -> label names, from the reporter's text exposition. */
    private Map<String, Set<String>> scrape() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        Map<String, Set<String>> out = new HashMap<>();
        Matcher label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"").matcher("");
        for (String line : r.body().split("\n")) {
            if (line.startsWith("#") || line.isBlank()) continue;
            int brace = line.indexOf('{');
            String name = brace < 0 ? line.split(" ")[0] : line.substring(0, brace);
            Set<String> names = out.computeIfAbsent(name, k -> new TreeSet<>());
            if (brace >= 0) {
                label.reset(line.substring(brace, line.lastIndexOf('}')));
                while (label.find()) names.add(label.group(1));
            }
        }
        return out;
    }

    private Map<Integer, RouterHealth> awaitStatuses(java.util.function.Predicate<RouterHealth> ok) {
        Map<Integer, RouterHealth> bySubtask = new HashMap<>();
        io.readUntil(Topics.ROUTER_HEALTH, got -> {
            bySubtask.clear();
            for (byte[] b : got) {
                try {
                    RouterHealth h = AvroWire.HEALTH.decode(b);
                    if (ok.test(h)) bySubtask.put(h.getSubtask(), h);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            return bySubtask.size() == PARALLELISM;
        }, WAIT);
        assertEquals(Set.of(0, 1), bySubtask.keySet(), "a status from every routing subtask");
        return bySubtask;
    }

    private AgentQuery query(String id, int ns) {
        float[] base = vectors.get(rnd.nextInt(vectors.size()));
        List<Float> embedding = new ArrayList<>(base.length);
        for (float x : base) embedding.add(x + (float) (rnd.nextGaussian() * 0.01));
        return AgentQuery.newBuilder().setQueryId(id).setNamespace(NS + "-" + ns).setUserId("u1")
                .setText("How do I rotate the keys of service " + id + "?").setEmbedding(embedding)
                .setEventTimeMs(System.currentTimeMillis()).setContextK(3).build();
    }

    private void publishMemories() {
        List<MemoryRecord> records = new ArrayList<>();
        for (int ns = 0; ns < 6; ns++) {
            for (int i = 0; i < 20; i++) {
                MemoryRecord m = new MemoryRecord();
                m.id = "mem-" + ns + "-" + i;
                m.namespace = NS + "-" + ns;
                m.kind = MemoryRecord.EPISODE;
                m.text = "memory " + i;
                m.createdAtMs = System.currentTimeMillis() - i * 3_600_000L;
                m.confidence = 0.9f;
                m.cheapOutcome = i % 3 == 0 ? 0f : 1f;
                m.strongOutcome = 1f;
                m.sourceId = "test";
                float[] v = RandomMemoryStore.unitVector(rnd);
                m.embedding = v;
                records.add(m);
                vectors.add(v);
            }
        }
        MemoryPublisher.publishAll(kafka.bootstrap(), records);
    }
}
