package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.agentrouter.cluster.TestStore;
import org.agentrouter.deploy.AlertRules;
import org.agentrouter.deploy.PrometheusServer;
import org.agentrouter.deploy.PrometheusTools;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.modelbuild.FailingAtRunTimeModel;
import org.agentrouter.modelbuild.SeedModelBuilder;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.RandomMemoryStore;
import org.agentrouter.runtime.TopicAdmin;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Topics;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules of deploy/prometheus/alerts.yml in a real Prometheus server scraping the reporter of a running job
 * (real broker, MiniCluster), faults caused for real, alerts read from /api/v1/alerts. The rules are the file's, with
 * every {@code for} divided by 60 and a 1 s scrape and evaluation interval; the expressions are untouched.
 * <ol>
 *   <li>while queries flow, none of the alerts provoked below is active;</li>
 *   <li>agents report 60 of the champion's cheap answers as failed: the guarantee monitor flags its version and
 *       {@code RouterGuaranteeDrift} fires for it;</li>
 *   <li>bytes that are no release on router-models: {@code RouterModelRefused};</li>
 *   <li>a release that passes every check of the scorer and fails on real queries, published as champion: the
 *       scorer's breaker opens, decisions fall back, {@code RouterScorerCircuitOpen}, {@code RouterFallbackRateHigh}
 *       and {@code RouterFallbackRateCritical} fire;</li>
 *   <li>the job cancelled: {@code RouterJobNotRunning}, and with it its MiniCluster, the only Flink process:
 *       {@code RouterMetricsTargetDown}.</li>
 * </ol>
 * Prometheus also holds every series the rules select, so no rule watches a name the job does not export.
 */
class AlertsEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    /** Minutes of the real rules become seconds. */
    private static final long FOR_FACTOR = 60;
    private static final String JOB_NAME = "agent_query_router";
    private static final String CHEAP_NS = "ns-cheap";
    private static final List<String> PROVOKED = List.of("RouterGuaranteeDrift", "RouterModelRefused", "RouterScorerCircuitOpen",
            "RouterFallbackRateHigh", "RouterFallbackRateCritical", "RouterJobNotRunning", "RouterMetricsTargetDown");

    @TempDir
    Path dir;

    @Test
    void realFaultsOfARunningJobFireTheirAlertsInARealPrometheus() throws Exception {
        Path prometheusBinary = PrometheusTools.require("prometheus", "prometheus");
        JsonNode rulesFile = AlertRules.read(AlertRules.file());
        try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"))) {
            String bootstrap = kafka.bootstrap();
            TopicAdmin.ensure(bootstrap, 1, Duration.ofSeconds(30));
            TestStore store = new TestStore();
            JobOptions options = new JobOptions();
            options.store = dir.resolve("memory.db");
            // 50 memories per namespace: 50 candidates per query, where the failing release answers p_strong > 1.
            store.write(options.store, 50);
            options.checkpointIntervalMs = 1000;
            // Memories whose cheap answers were good: the champion sends this namespace's queries cheap.
            List<MemoryRecord> cheap = RandomMemoryStore.records(new Random(11), List.of(CHEAP_NS), 50, "alerts-test");
            cheap.forEach(m -> {
                m.cheapOutcome = 1f;
                m.strongOutcome = 0f;
            });
            MemoryPublisher.publishAll(bootstrap, cheap);
            int reporterPort = ModelRolloutEndToEndTest.freePort();
            JobClient job = LocalRouterJob.start(bootstrap, options, 0, reporterPort, dir.resolve("job"));
            String config = """
                    global:
                      scrape_interval: 1s
                      evaluation_interval: 1s
                    rule_files: [alerts.yml]
                    scrape_configs:
                      - job_name: flink
                        static_configs:
                          - targets: ['127.0.0.1:%d']
                    """.formatted(reporterPort);
            java.nio.file.Files.createDirectories(dir.resolve("prometheus"));
            java.nio.file.Files.writeString(dir.resolve("prometheus/alerts.yml"), AlertRules.withFasterFor(rulesFile, FOR_FACTOR));
            AtomicBoolean flowing = new AtomicBoolean(true);
            AtomicReference<Throwable> senderFailure = new AtomicReference<>();
            try (TopicIO io = new TopicIO(bootstrap);
                 PrometheusServer prometheus = PrometheusServer.start(prometheusBinary, dir.resolve("prometheus"), config, WAIT)) {
                Thread sender = new Thread(() -> {
                    try {
                        for (int i = 0; flowing.get(); i++) {
                            AgentQuery q = i % 4 == 0 ? store.query("c-" + i, CHEAP_NS) : store.query("q-" + i);
                            io.sendNoWait(Topics.AGENT_QUERIES, q.getNamespace(), AvroWire.QUERY.encode(q), senderFailure);
                            Thread.sleep(25);
                        }
                    } catch (Throwable e) {
                        senderFailure.set(e);
                    }
                }, "query-stream");
                sender.start();
                try {
                    run(prometheus, io, bootstrap, job, rulesFile);
                } finally {
                    flowing.set(false);
                    sender.join();
                    cancelQuietly(job);
                }
                assertNull(senderFailure.get(), "the query stream never failed to send");
            }
        }
    }

    private void run(PrometheusServer prometheus, TopicIO io, String bootstrap, JobClient job, JsonNode rulesFile) throws Exception {
        // Prometheus scrapes the job and the job decides.
        await(prometheus, "the job's decisions in Prometheus", () ->
                prometheus.query("sum(flink_taskmanager_job_task_operator_router_route_decisions) > 40").size() == 1);

        // 1. A serving job: none of the alerts provoked below is active, over several evaluations (after three, so that
        // what fired before the job's first scrape, RouterJobNotRunning, has been evaluated again).
        Thread.sleep(3_000);
        long quietUntil = System.currentTimeMillis() + 5_000;
        while (System.currentTimeMillis() < quietUntil) {
            for (JsonNode a : prometheus.alerts()) {
                String name = a.path("labels").path("alertname").asText();
                assertTrue(!PROVOKED.contains(name), "active before its fault: " + a);
            }
            Thread.sleep(1000);
        }
        System.out.println("alerts active while serving (not provoked by this test): " + names(prometheus.alerts()));

        // 2. Failed outcomes for 60 cheap decisions of the champion.
        List<RoutingDecision> cheapDecisions = new ArrayList<>();
        io.readUntil(Topics.ROUTING_DECISIONS, got -> {
            cheapDecisions.clear();
            for (RoutingDecision d : ModelRolloutEndToEndTest.decodeDecisions(got)) {
                if (d.getNamespace().equals(CHEAP_NS) && d.getRoute().equals("cheap")) cheapDecisions.add(d);
            }
            return cheapDecisions.size() >= 60;
        }, WAIT);
        assertTrue(cheapDecisions.size() >= 60, "the champion sends " + CHEAP_NS + " cheap: " + cheapDecisions.size());
        String championVersion = cheapDecisions.get(0).getModelVersion();
        for (RoutingDecision d : cheapDecisions.subList(0, 60)) {
            io.send(Topics.ROUTING_FEEDBACK, d.getNamespace(), AvroWire.FEEDBACK.encode(RoutingFeedback.newBuilder()
                    .setQueryId(d.getQueryId()).setNamespace(d.getNamespace()).setModel(d.getModel()).setRoute(d.getRoute())
                    .setSuccess(false).setEventTimeMs(System.currentTimeMillis()).setModelVersion(d.getModelVersion())
                    .setAlpha(d.getAlpha()).build()));
        }
        // The reporter writes label values with every character other than [a-zA-Z0-9:_] as '_': 1.10.0 is 1_0_0.
        String versionLabel = championVersion.replaceAll("[^a-zA-Z0-9:_]", "_");
        JsonNode drift = awaitFiring(prometheus, "RouterGuaranteeDrift", l -> l.path("model_version").asText().equals(versionLabel));
        assertEquals("critical", drift.path("labels").path("severity").asText());
        assertEquals(JOB_NAME, drift.path("labels").path("job_name").asText());

        // 3. Bytes that are no release.
        io.send(Topics.ROUTER_MODELS, "default", "not a release".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        JsonNode refused = awaitFiring(prometheus, "RouterModelRefused", l -> true);
        assertEquals("undecodable_release", refused.path("labels").path("rule").asText(), refused.toString());

        // 4. A champion that passes every check and fails on real queries.
        ModelRelease seed = SeedModelBuilder.release(ModelReleases.fromClasspath("models/default").getCalibration());
        byte[] failing = FailingAtRunTimeModel.build();
        Path failingDir = dir.resolve("failing");
        // The failing graph reads the current layout's columns; the seed's release says layout 1.
        ModelReleases.write(failingDir, ModelRelease.newBuilder(seed).setFeatureLayoutVersion(org.agentrouter.features.FeatureLayout.VERSION)
                .setOnnxModel(ByteBuffer.wrap(failing)).setSha256(ModelReleases.sha256Hex(failing)).build());
        assertEquals(0, ModelRolloutEndToEndTest.cli("publish-model", "--release", failingDir.toString(), "--version", "1.11.0",
                "--bootstrap", bootstrap));
        JsonNode open = awaitFiring(prometheus, "RouterScorerCircuitOpen", l -> true);
        assertEquals("critical", open.path("labels").path("severity").asText());
        awaitFiring(prometheus, "RouterFallbackRateCritical", l -> l.path("job_name").asText().equals(JOB_NAME));
        awaitFiring(prometheus, "RouterFallbackRateHigh", l -> l.path("job_name").asText().equals(JOB_NAME));

        // Every series the rules select is one Prometheus holds (the lazily created ones exist by now).
        Set<String> held = new TreeSet<>(prometheus.metricNames());
        Set<String> selected = new TreeSet<>();
        for (AlertRules.Rule r : AlertRules.rules(rulesFile)) selected.addAll(AlertRules.metricNames(r.expr()));
        selected.removeAll(held);
        assertEquals(Set.of(), selected, "series the rules select that the job does not export");

        // 5. No job.
        cancelQuietly(job);
        awaitFiring(prometheus, "RouterJobNotRunning", l -> true);
        // The job's MiniCluster was the only Flink process: it stopped with the job.
        awaitFiring(prometheus, "RouterMetricsTargetDown", l -> l.path("job").asText().equals("flink"));
        System.out.println("alerts active at the end: " + names(prometheus.alerts()));
    }

    private static void cancelQuietly(JobClient job) {
        try {
            if (!job.getJobStatus().get().isGloballyTerminalState()) job.cancel().get();
        } catch (Exception alreadyGone) {
            // cancelled by the test, and its MiniCluster shut down with it
        }
    }

    /** Waits until an alert of that name whose labels pass {@code which} is firing; returns it. */
    private static JsonNode awaitFiring(PrometheusServer prometheus, String alertname, Predicate<JsonNode> which) throws Exception {
        long started = System.currentTimeMillis();
        long deadline = started + WAIT.toMillis();
        List<JsonNode> last = List.of();
        while (System.currentTimeMillis() < deadline) {
            last = prometheus.alerts();
            for (JsonNode a : last) {
                JsonNode labels = a.path("labels");
                if (labels.path("alertname").asText().equals(alertname) && a.path("state").asText().equals("firing") && which.test(labels)) {
                    System.out.printf("%s firing after %d ms: %s%n", alertname, System.currentTimeMillis() - started, a);
                    return a;
                }
            }
            Thread.sleep(500);
        }
        fail(alertname + " did not fire within " + WAIT + "; active: " + last + "\nprometheus log:\n" + prometheus.log());
        return null;
    }

    private interface Check {
        boolean holds() throws Exception;
    }

    private static void await(PrometheusServer prometheus, String what, Check check) throws Exception {
        long deadline = System.currentTimeMillis() + WAIT.toMillis();
        while (!check.holds()) {
            if (System.currentTimeMillis() > deadline) fail("no " + what + " within " + WAIT + "\nprometheus log:\n" + prometheus.log());
            Thread.sleep(500);
        }
    }

    private static List<String> names(List<JsonNode> alerts) {
        List<String> out = new ArrayList<>();
        for (JsonNode a : alerts) out.add(a.path("labels").path("alertname").asText() + "(" + a.path("state").asText() + ")");
        return out;
    }
}
