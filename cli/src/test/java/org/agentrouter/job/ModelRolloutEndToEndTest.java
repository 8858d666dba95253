package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.agentrouter.cli.RouterCli;
import org.agentrouter.cluster.TestStore;
import org.agentrouter.modelbuild.SeedModelBuilder;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.routing.TrafficSplit;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.VersionRules;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import org.agentrouter.runtime.TopicAdmin;
/**
 * The roll-out proof, on a real Kafka broker and a real Flink MiniCluster (two scorer subtasks): while
 * queries flow without pause, 22 releases are published in a row, valid ones and bad ones (bad checksum,
 * wrong tensor shapes, a foreign feature layout, bytes that are not ONNX, corrupt graphs whose sha256 was
 * recomputed (a tensor's data on the TaskManager's disk, a declared dimension of 2^40), MAJOR jumps without
 * --allow-major, older or equal versions), then {@code ./router rollback}, then a challenger for 50% of
 * users and {@code ./router rollout --share 100}. No query is lost, none falls back, every decision was
 * made by a version accepted before it, every bad release is refused by both subtasks with the rule that
 * catches it, the rollback and the challenger split hold, and the job never restarts.
 */
class ModelRolloutEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final int PARALLELISM = 2;
    private static final String ACCEPTED = "accepted";
    private static final String REFUSED = "refused";

    private static final List<String> USERS = java.util.stream.IntStream.range(0, 20).mapToObj(i -> "user-" + i).toList();
    private static final int CHALLENGER_SHARE = 50;

    @TempDir
    Path dir;

    /** One publication: what goes on the topic, and the verdict every scorer subtask must give. */
    private record Step(String version, byte[] bytes, String cliAllowMajor, String expectedEvent, String expectedRule) {
        String expected() {
            return expectedEvent + ":" + version + ":" + (expectedRule == null ? "" : expectedRule);
        }
    }

    @Test
    void twentyTwoReleasesInARowWhileQueriesFlowNeitherLoseAQueryNorRestartTheJob() throws Exception {
        try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"))) {
            String bootstrap = kafka.bootstrap();
            TopicAdmin.ensure(bootstrap, 2, Duration.ofSeconds(30));
            TestStore store = new TestStore();
            JobOptions options = new JobOptions();
            options.store = dir.resolve("memory.db");
            options.parallelism = PARALLELISM;
            options.checkpointIntervalMs = 1000;
            store.write(options.store, 50);
            int restPort = freePort();
            JobClient job = LocalRouterJob.start(bootstrap, options, restPort, 0, dir.resolve("job"));
            try (TopicIO io = new TopicIO(bootstrap)) {
                run(bootstrap, store, io, job, restPort);
            } finally {
                job.cancel().get();
            }
        }
    }

    private void run(String bootstrap, TestStore store, TopicIO io, JobClient job, int restPort) throws Exception {
        ModelRelease bundled = ModelReleases.fromClasspath("models/default");
        ModelRelease seed = SeedModelBuilder.release(bundled.getCalibration()); // built now, not read from disk
        List<Step> steps = steps(seed);

        Set<String> sent = ConcurrentHashMap.newKeySet();
        AtomicBoolean flowing = new AtomicBoolean(true);
        AtomicReference<Throwable> senderFailure = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; flowing.get(); i++) {
                    AgentQuery q = AgentQuery.newBuilder(store.query("q-" + i)).setUserId(USERS.get(i % USERS.size())).build();
                    io.send(Topics.AGENT_QUERIES, q.getNamespace(), AvroWire.QUERY.encode(q));
                    sent.add(q.getQueryId());
                    Thread.sleep(4);
                }
            } catch (Throwable e) {
                senderFailure.set(e);
            }
        }, "query-stream");
        sender.start();
        List<ModelEvent> events;
        try {
            // Releases start once decisions flow, so every one of them lands mid-stream.
            assertFalse(io.readUntil(Topics.ROUTING_DECISIONS, got -> !got.isEmpty(), WAIT).isEmpty(), "the job decides");
            for (Step step : steps) {
                if (step.cliAllowMajor != null) {
                    Path releaseDir = dir.resolve("release-" + step.version);
                    ModelReleases.write(releaseDir, seed);
                    assertEquals(0, cli("publish-model", "--release", releaseDir.toString(), "--version", step.version,
                            "--allow-major", "--bootstrap", bootstrap));
                } else {
                    io.send(Topics.ROUTER_MODELS, seed.getName(), step.bytes);
                }
                Thread.sleep(250);
            }
            assertEquals(0, cli("rollback", "--reason", "proof test", "--bootstrap", bootstrap));
            Thread.sleep(500);
            Path challengerDir = dir.resolve("release-challenger");
            ModelReleases.write(challengerDir, seed);
            assertEquals(0, cli("publish-model", "--release", challengerDir.toString(), "--version", "2.4.0",
                    "--role", "challenger", "--share", String.valueOf(CHALLENGER_SHARE), "--bootstrap", bootstrap));
            Thread.sleep(1000);
            assertEquals(0, cli("rollout", "--share", "100", "--bootstrap", bootstrap));
            int expectedEvents = (steps.size() + 4) * PARALLELISM; // + rollback, challenger, rollout, promotion
            events = decodeEvents(io.readUntil(Topics.MODEL_EVENTS, got -> got.size() >= expectedEvents, WAIT));
            assertEquals(expectedEvents, events.size(), "one verdict per release and subtask");
            Thread.sleep(500); // queries keep flowing after the promotion, too
        } finally {
            flowing.set(false);
            sender.join();
        }
        assertNull(senderFailure.get(), "the query stream never failed to send");

        Map<Integer, List<String>> verdictsBySubtask = new TreeMap<>();
        Map<String, Long> firstServedAt = new HashMap<>();
        firstServedAt.put(bundled.getVersion(), Long.MIN_VALUE); // serves from the start
        for (ModelEvent e : events) {
            verdictsBySubtask.computeIfAbsent(e.getSubtask(), s -> new ArrayList<>())
                    .add(e.getEvent() + ":" + e.getModelVersion() + ":" + (e.getRule() == null ? "" : e.getRule()));
            if (e.getEvent().equals(REFUSED)) {
                assertNotNull(e.getReason(), "a refusal says why");
                assertFalse(e.getReason().isBlank(), "a refusal says why");
            } else {
                firstServedAt.merge(e.getModelVersion(), e.getAtMs(), Math::min);
            }
        }
        List<String> expected = new ArrayList<>(steps.stream().map(Step::expected).toList());
        expected.add("rolled back:2.2.0:");
        expected.add("accepted:2.4.0:");
        expected.add("rollout:2.4.0:");
        expected.add("promoted:2.4.0:");
        assertEquals(Set.of(0, 1), verdictsBySubtask.keySet(), "both scorer subtasks answered");
        verdictsBySubtask.forEach((subtask, verdicts) -> assertEquals(expected, verdicts, "verdicts of subtask " + subtask));

        List<RoutingDecision> decisions = decodeDecisions(io.readUntil(Topics.ROUTING_DECISIONS,
                got -> countIds(got, sent) >= sent.size(), WAIT));
        Map<String, RoutingDecision> byId = new HashMap<>();
        for (RoutingDecision d : decisions) {
            if (!sent.contains(d.getQueryId())) continue;
            assertNull(byId.put(d.getQueryId(), d), "one decision per query: " + d.getQueryId());
            assertEquals(FallbackLevel.NONE, d.getFallbackLevel(), "no query failed or fell back: " + d.getFallbackReason());
            Long servedFrom = firstServedAt.get(d.getModelVersion());
            assertNotNull(servedFrom, "decision " + d.getQueryId() + " by " + d.getModelVersion() + ", never accepted");
            assertTrue(servedFrom <= d.getDecidedAtMs(), "decision " + d.getQueryId() + " by " + d.getModelVersion()
                    + " at " + d.getDecidedAtMs() + ", before that version was accepted at " + servedFrom);
        }
        assertEquals(sent, byId.keySet(), "a decision for every query sent (" + sent.size() + ")");
        Set<String> versionsSeen = new HashSet<>();
        byId.values().forEach(d -> versionsSeen.add(d.getModelVersion()));
        assertTrue(versionsSeen.size() >= 4, "the stream saw the swaps: " + versionsSeen);

        // Between the rollback and the challenger, the last-known-good 2.2.0 decides; while the challenger
        // runs, it decides only for its users; after the promotion, it decides for everyone as champion.
        long rolledBackAt = lastAt(events, "rolled back");
        long challengerFrom = events.stream().filter(e -> e.getEvent().equals(ACCEPTED) && e.getModelVersion().equals("2.4.0"))
                .mapToLong(ModelEvent::getAtMs).min().orElseThrow();
        long promotedAt = lastAt(events, "promoted");
        int byChallenger = 0;
        for (RoutingDecision d : byId.values()) {
            long at = d.getDecidedAtMs();
            if (at > rolledBackAt && at < challengerFrom) {
                assertEquals("champion 2.2.0", d.getModelRole() + " " + d.getModelVersion(), "after the rollback: " + d.getQueryId());
            }
            if (d.getModelRole().equals("challenger")) {
                byChallenger++;
                assertEquals("2.4.0", d.getModelVersion());
                assertTrue(TrafficSplit.toChallenger(d.getUserId(), CHALLENGER_SHARE), d.getUserId() + " is not a challenger user");
            }
            if (at > promotedAt) {
                assertEquals("champion 2.4.0", d.getModelRole() + " " + d.getModelVersion(), "after the promotion: " + d.getQueryId());
            }
        }
        assertTrue(byChallenger > 0, "the challenger decided for its users");
        Set<String> afterPromotion = new HashSet<>();
        for (int i = 0; i < 10; i++) {
            AgentQuery q = store.query("after-promotion-" + i);
            io.send(Topics.AGENT_QUERIES, q.getNamespace(), AvroWire.QUERY.encode(q));
            afterPromotion.add(q.getQueryId());
        }
        for (RoutingDecision d : decodeDecisions(io.readUntil(Topics.ROUTING_DECISIONS,
                got -> countIds(got, afterPromotion) >= afterPromotion.size(), WAIT))) {
            if (afterPromotion.contains(d.getQueryId())) {
                assertEquals("champion 2.4.0", d.getModelRole() + " " + d.getModelVersion());
            }
        }

        assertEquals(JobStatus.RUNNING, job.getJobStatus().get());
        assertEquals(0, numRestarts(restPort, job), "the job never restarted");
        JsonNode failures = exceptionHistory(restPort, job);
        assertTrue(failures.isArray() && failures.isEmpty(), "no task ever failed: " + failures);
    }

    /** 22 releases: 8 valid (one a MAJOR change published with --allow-major through the CLI), 14 bad. */
    private static List<Step> steps(ModelRelease seed) throws Exception {
        byte[] wrongShape = SeedModelBuilder.build(64);
        byte[] notOnnx = "this is not an ONNX graph".getBytes();
        // Corrupt graphs whose sha256 is recomputed: the graph check refuses them before ONNX Runtime reads them.
        ai.onnx.proto.OnnxMl.ModelProto graph = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(ModelReleases.modelBytes(seed));
        ai.onnx.proto.OnnxMl.ModelProto.Builder external = graph.toBuilder();
        external.getGraphBuilder().getInitializerBuilder(0).clearRawData()
                .setDataLocation(ai.onnx.proto.OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .addExternalData(ai.onnx.proto.OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("/etc/passwd"));
        byte[] readsAFile = external.build().toByteArray();
        ai.onnx.proto.OnnxMl.ModelProto.Builder huge = graph.toBuilder();
        huge.getGraphBuilder().getInitializerBuilder(0).setDims(0, 1L << 40);
        byte[] hugeDim = huge.build().toByteArray();
        List<Step> s = new ArrayList<>();
        s.add(valid(seed, "1.11.0"));
        s.add(bad(seed, "1.11.1", b -> b.setSha256("0".repeat(64)), "sha256 mismatch"));
        s.add(valid(seed, "1.12.0"));
        s.add(bad(seed, "1.12.1", b -> b.setOnnxModel(ByteBuffer.wrap(wrongShape)).setSha256(ModelReleases.sha256Hex(wrongShape)),
                "graph"));
        s.add(bad(seed, "1.12.2", b -> b.setOnnxModel(ByteBuffer.wrap(readsAFile)).setSha256(ModelReleases.sha256Hex(readsAFile)),
                "graph"));
        s.add(bad(seed, "2.0.0", b -> b, VersionRules.MAJOR_CHANGE));
        s.add(bad(seed, "1.11.5", b -> b, VersionRules.NOT_NEWER));
        s.add(valid(seed, "1.13.0"));
        s.add(bad(seed, "1.13.0", b -> b, VersionRules.NOT_NEWER));
        s.add(bad(seed, "1.13.1", b -> b.setFeatureLayoutVersion(99), "feature layout mismatch"));
        s.add(valid(seed, "1.14.0"));
        s.add(bad(seed, "1.14.1", b -> b.setOnnxModel(ByteBuffer.wrap(notOnnx)).setSha256(ModelReleases.sha256Hex(notOnnx)),
                "graph"));
        s.add(bad(seed, "1.14.2", b -> b.setOnnxModel(ByteBuffer.wrap(hugeDim)).setSha256(ModelReleases.sha256Hex(hugeDim)),
                "graph"));
        s.add(new Step("2.0.0", null, "--allow-major", ACCEPTED, null));
        s.add(bad(seed, "2.0.1", b -> b.setSha256(ModelReleases.sha256Hex(notOnnx)), "sha256 mismatch"));
        s.add(bad(seed, "3.0.0", b -> b, VersionRules.MAJOR_CHANGE));
        s.add(valid(seed, "2.1.0"));
        s.add(bad(seed, "1.19.0", b -> b.setAllowMajor(true), VersionRules.NOT_NEWER));
        s.add(bad(seed, "2.1.1", b -> b.setOnnxModel(ByteBuffer.wrap(wrongShape)).setSha256(ModelReleases.sha256Hex(wrongShape)),
                "graph"));
        s.add(valid(seed, "2.2.0"));
        s.add(bad(seed, "2.1.5", b -> b, VersionRules.NOT_NEWER));
        s.add(valid(seed, "2.3.0"));
        return s;
    }

    private static Step valid(ModelRelease seed, String version) {
        return new Step(version, encode(seed, version, b -> b), null, ACCEPTED, null);
    }

    private static Step bad(ModelRelease seed, String version, java.util.function.UnaryOperator<ModelRelease.Builder> corrupt,
            String rule) {
        return new Step(version, encode(seed, version, corrupt), null, REFUSED, rule);
    }

    private static byte[] encode(ModelRelease seed, String version, java.util.function.UnaryOperator<ModelRelease.Builder> change) {
        ModelRelease.Builder b = ModelRelease.newBuilder(seed).setVersion(version).setPublishedAtMs(System.currentTimeMillis());
        return AvroWire.MODEL_RELEASE.encode(change.apply(b).build());
    }

    static int cli(String... args) {
        return new CommandLine(new RouterCli()).execute(args);
    }

    /**
     * Flink's own count of job restarts, from the MiniCluster's REST API. Job metrics reach the REST
     * handlers through a fetcher that starts on the first request, so the first answers may be empty.
     */
    static long numRestarts(int restPort, JobClient job) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + restPort + "/jobs/" + job.getJobID() + "/metrics?get=numRestarts");
        long deadline = System.currentTimeMillis() + 15_000;
        String body = "";
        while (System.currentTimeMillis() < deadline) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response.body());
            body = response.body();
            JsonNode metrics = new ObjectMapper().readTree(body);
            if (metrics.size() == 1) {
                return metrics.get(0).get("value").asLong();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("numRestarts not reported: " + body);
    }

    /** Every task failure the scheduler saw (restarted or not), from the same REST API. */
    static JsonNode exceptionHistory(int restPort, JobClient job) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + restPort + "/jobs/" + job.getJobID() + "/exceptions")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return new ObjectMapper().readTree(response.body()).path("exceptionHistory").path("entries");
    }

    private static long lastAt(List<ModelEvent> events, String event) {
        return events.stream().filter(e -> e.getEvent().equals(event)).mapToLong(ModelEvent::getAtMs).max().orElseThrow();
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static List<ModelEvent> decodeEvents(List<byte[]> raw) throws Exception {
        List<ModelEvent> out = new ArrayList<>();
        for (byte[] b : raw) out.add(AvroWire.MODEL_EVENT.decode(b));
        return out;
    }

    private static int countIds(List<byte[]> raw, Set<String> ids) {
        Set<String> seen = new HashSet<>();
        for (RoutingDecision d : decodeDecisions(raw)) {
            if (ids.contains(d.getQueryId())) seen.add(d.getQueryId());
        }
        return seen.size();
    }

    static List<RoutingDecision> decodeDecisions(List<byte[]> raw) {
        List<RoutingDecision> out = new ArrayList<>(raw.size());
        for (byte[] b : raw) {
            try {
                out.add(AvroWire.DECISION.decode(b));
            } catch (Exception e) {
                throw new AssertionError("undecodable decision", e);
            }
        }
        return out;
    }
}
