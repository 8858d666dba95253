package org.agentrouter.job;

import static org.agentrouter.job.ModelRolloutEndToEndTest.cli;
import static org.agentrouter.job.ModelRolloutEndToEndTest.decodeDecisions;
import static org.agentrouter.job.ModelRolloutEndToEndTest.decodeEvents;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.agentrouter.cluster.TestStore;
import org.agentrouter.flink.RolloutJudge;
import org.agentrouter.modelbuild.FailingAtRunTimeModel;
import org.agentrouter.modelbuild.SeedModelBuilder;
import org.agentrouter.rollout.RolloutRules;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.routing.TrafficSplit;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingMetric;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.signing.ModelSigner;
import org.agentrouter.signing.TrustedModelKeys;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.runtime.TopicAdmin;
/**
 * Rolling a challenger out safely, on a real Kafka broker and a Flink MiniCluster (two scorer subtasks),
 * while queries of 400 users flow without pause, all through ./router, with signed releases: the job trusts one
 * operator key ({@code --trusted-model-keys}) and signs its automatic rollbacks with its own ({@code --job-signing-key}),
 * both made by {@code ./router model-key generate}; every command below signs with {@code --signing-key}.
 * <ol>
 *   <li>signatures: an unsigned release and a rollout signed by a key the job does not trust are refused with rule
 *       {@code signature} by both scorers, and change nothing;</li>
 *   <li>shadow: {@code publish-model --role challenger --shadow}: every decision stays the champion's, and
 *       routing-metrics carries a shadow record of the challenger for each of them;</li>
 *   <li>live steps {@code rollout --share 5, 25, 50, 100}: within each step the share of users the challenger
 *       decides for is the step's (within a tolerance), no user switches variant within a step, and a user
 *       once on the challenger stays on it at the next step;</li>
 *   <li>automatic rollback: a challenger that passes every check, the dry run included, but fails on real
 *       queries is withdrawn by the rollout judge, with its reason on model-events; no query is lost, the
 *       decisions after the rollback are the champion's, and the job never restarts. The judge's rollback on
 *       router-models carries the job key's id, and the scorers accepted it.</li>
 * </ol>
 */
class RolloutSafetyEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int PARALLELISM = 2;
    private static final List<String> USERS = IntStream.range(0, 400).mapToObj(i -> "user-" + i).toList();
    private static final int[] STEPS = {5, 25, 50, 100};
    private static final long QUERY_PAUSE_MS = 4;
    private static final long STEP_MS = 4000;
    private static final String CHALLENGER = "1.11.0";
    private static final String FAILING = "1.12.0";

    @TempDir
    Path dir;

    private record Window(int share, long fromMs, long toMs) {}

    @Test
    void shadowThenLiveStepsThenAnAutomaticRollbackOfAChallengerThatFailsOnRealQueries() throws Exception {
        try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"))) {
            String bootstrap = kafka.bootstrap();
            TopicAdmin.ensure(bootstrap, 2, Duration.ofSeconds(30));
            TestStore store = new TestStore();
            JobOptions options = new JobOptions();
            options.store = dir.resolve("memory.db");
            options.parallelism = PARALLELISM;
            options.checkpointIntervalMs = 1000;
            options.rolloutMinDecisions = 100;
            options.rolloutWindowMs = 20_000;
            options.rolloutReportIntervalMs = 500;
            Path keys = dir.resolve("keys");
            for (String name : List.of("operator", "job", "stranger")) {
                assertEquals(0, cli("model-key", "generate", "--out", keys.toString(), "--name", name));
            }
            options.trustedModelKeys = keys.resolve("operator.pub");
            options.jobSigningKey = keys.resolve("job.key");
            // 50 memories per namespace: 50 candidates per query, a fill at which the failing model answers > 1.
            store.write(options.store, 50);
            int restPort = ModelRolloutEndToEndTest.freePort();
            JobClient job = LocalRouterJob.start(bootstrap, options, restPort, 0, dir.resolve("job"));
            try (TopicIO io = new TopicIO(bootstrap)) {
                run(bootstrap, store, io, job, restPort);
            } finally {
                job.cancel().get();
            }
        }
    }

    private void run(String bootstrap, TestStore store, TopicIO io, JobClient job, int restPort) throws Exception {
        Path keys = dir.resolve("keys");
        String operatorKey = keys.resolve("operator.key").toString();
        ModelRelease bundled = ModelReleases.fromClasspath("models/default");
        ModelRelease seed = SeedModelBuilder.release(bundled.getCalibration());
        Path challengerDir = dir.resolve("challenger");
        ModelReleases.write(challengerDir, seed);
        byte[] failing = FailingAtRunTimeModel.build();
        Path failingDir = dir.resolve("failing");
        ModelReleases.write(failingDir, ModelRelease.newBuilder(seed).setFeatureLayoutVersion(org.agentrouter.features.FeatureLayout.VERSION)
                .setOnnxModel(ByteBuffer.wrap(failing)).setSha256(ModelReleases.sha256Hex(failing)).build());

        Set<String> sent = ConcurrentHashMap.newKeySet();
        AtomicBoolean flowing = new AtomicBoolean(true);
        AtomicReference<Throwable> senderFailure = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; flowing.get(); i++) {
                    AgentQuery q = AgentQuery.newBuilder(store.query("q-" + i)).setUserId(USERS.get(i % USERS.size())).build();
                    sent.add(q.getQueryId());
                    io.sendNoWait(Topics.AGENT_QUERIES, q.getNamespace(), AvroWire.QUERY.encode(q), senderFailure);
                    Thread.sleep(QUERY_PAUSE_MS);
                }
                io.flush();
            } catch (Throwable e) {
                senderFailure.set(e);
            }
        }, "query-stream");
        sender.start();
        long shadowFrom;
        List<Window> windows = new ArrayList<>();
        long shadowUntil;
        long failingPublishedAt;
        List<ModelEvent> events;
        try {
            assertFalse(io.readUntil(Topics.ROUTING_DECISIONS, got -> !got.isEmpty(), WAIT).isEmpty(), "the job decides");

            // 0. Signatures: what a trusted key did not sign changes nothing.
            assertEquals(0, cli("publish-model", "--release", challengerDir.toString(), "--version", "1.10.5",
                    "--role", "challenger", "--share", "50", "--bootstrap", bootstrap), "the CLI publishes it unsigned");
            assertEquals(0, cli("rollout", "--share", "100", "--signing-key", keys.resolve("stranger.key").toString(),
                    "--bootstrap", bootstrap));
            List<ModelEvent> refusals = waitForEachSubtask(io, e -> e.getEvent().equals("refused")
                    && TrustedModelKeys.RULE.equals(e.getRule()), 2);
            assertTrue(refusals.stream().anyMatch(e -> e.getModelVersion().equals("1.10.5") && e.getReason().contains("is unsigned")),
                    refusals.toString());
            assertTrue(refusals.stream().anyMatch(e -> e.getReason().contains("rollout control")
                    && e.getReason().contains("which this job does not trust")), refusals.toString());
            refusals.forEach(e -> assertEquals("", e.getChallengerVersion(), "no challenger serves: " + e));

            // 1. Shadow.
            assertEquals(0, cli("publish-model", "--release", challengerDir.toString(), "--version", CHALLENGER,
                    "--role", "challenger", "--shadow", "--signing-key", operatorKey, "--bootstrap", bootstrap));
            shadowFrom = lastOfEachSubtask(io, e -> e.getEvent().equals("rollout") && e.getChallengerShadow());
            Thread.sleep(STEP_MS);

            // 2. Live steps.
            long stepSentAt = System.currentTimeMillis();
            shadowUntil = stepSentAt;
            for (int share : STEPS) {
                assertEquals(0, cli("rollout", "--share", String.valueOf(share), "--signing-key", operatorKey, "--bootstrap", bootstrap));
                long from = share == 100
                        ? lastOfEachSubtask(io, e -> e.getEvent().equals("promoted") && e.getModelVersion().equals(CHALLENGER))
                        : lastOfEachSubtask(io, e -> e.getEvent().equals("rollout") && !e.getChallengerShadow()
                                && e.getChallengerSharePercent() == share);
                Thread.sleep(STEP_MS);
                stepSentAt = System.currentTimeMillis();
                windows.add(new Window(share, from, stepSentAt));
            }

            // 3. A challenger that fails on real queries.
            failingPublishedAt = System.currentTimeMillis();
            assertEquals(0, cli("publish-model", "--release", failingDir.toString(), "--version", FAILING,
                    "--role", "challenger", "--share", "50", "--signing-key", operatorKey, "--bootstrap", bootstrap),
                    "it passes every check of a release");
            events = decodeEvents(io.readUntil(Topics.MODEL_EVENTS, got -> {
                List<ModelEvent> e = decodeEventsQuietly(got);
                return e.stream().filter(x -> x.getEvent().equals(RolloutJudge.EVENT)).count() >= 1
                        && e.stream().filter(x -> x.getEvent().equals("rolled back") && x.getModelVersion().equals(FAILING)).count()
                        >= PARALLELISM;
            }, WAIT));
            Thread.sleep(1500); // queries keep flowing after the rollback
        } finally {
            flowing.set(false);
            sender.join();
        }
        assertNull(senderFailure.get(), "the query stream never failed to send");

        List<RoutingDecision> decisions = decodeDecisions(io.readUntil(Topics.ROUTING_DECISIONS,
                got -> countIds(got, sent) >= sent.size(), WAIT));
        Map<String, RoutingDecision> byId = new HashMap<>();
        for (RoutingDecision d : decisions) {
            if (sent.contains(d.getQueryId())) assertNull(byId.put(d.getQueryId(), d), "one decision per query: " + d.getQueryId());
        }
        assertEquals(sent, byId.keySet(), "a decision for every query sent (" + sent.size() + "): none lost");

        // 1. Shadow: every decision the champion's, and a shadow record of the challenger for each.
        Set<String> shadowed = new HashSet<>();
        for (byte[] b : io.readUntil(Topics.ROUTING_METRICS, got -> false, Duration.ofSeconds(3))) {
            RoutingMetric m = AvroWire.METRIC.decode(b);
            if (m.getShadow()) {
                assertEquals("challenger " + CHALLENGER, m.getModelRole() + " " + m.getModelVersion());
                shadowed.add(m.getQueryId());
            }
        }
        int inShadow = 0;
        for (RoutingDecision d : byId.values()) {
            if (d.getDecidedAtMs() > shadowFrom && d.getDecidedAtMs() < shadowUntil) {
                inShadow++;
                assertEquals("champion " + bundled.getVersion(), d.getModelRole() + " " + d.getModelVersion(),
                        "in shadow mode the champion decides: " + d.getQueryId());
                assertTrue(shadowed.contains(d.getQueryId()), "a shadow record for " + d.getQueryId());
            }
        }
        assertTrue(inShadow > 50, "queries flowed in shadow mode: " + inShadow);

        // 2. Live steps.
        Set<String> onChallengerBefore = new HashSet<>();
        for (Window w : windows) {
            Map<String, Set<String>> variantsByUser = new HashMap<>();
            for (RoutingDecision d : byId.values()) {
                if (d.getDecidedAtMs() > w.fromMs && d.getDecidedAtMs() < w.toMs) {
                    variantsByUser.computeIfAbsent(d.getUserId(), u -> new HashSet<>()).add(d.getModelRole() + " " + d.getModelVersion());
                }
            }
            int users = variantsByUser.size();
            assertTrue(users >= 50, "users seen at " + w.share + "%: " + users);
            Set<String> onChallenger = new HashSet<>();
            variantsByUser.forEach((user, variants) -> {
                assertEquals(1, variants.size(), user + " switched variant within the " + w.share + "% step: " + variants);
                if (variants.iterator().next().endsWith(" " + CHALLENGER)) onChallenger.add(user);
                assertEquals(TrafficSplit.toChallenger(user, w.share), onChallenger.contains(user), user + " at " + w.share + "%");
            });
            // The users seen are a sample of the hash buckets: 3 binomial standard deviations, plus 2 points.
            double p = w.share / 100.0;
            double tolerance = 3 * Math.sqrt(p * (1 - p) / users) + 0.02;
            double observed = onChallenger.size() / (double) users;
            assertEquals(p, observed, tolerance, "share of users on the challenger at the " + w.share + "% step (" + users + " users)");
            System.out.printf("rollout step %d%%: %d of %d users on the challenger (%.1f%%)%n", w.share, onChallenger.size(), users,
                    100 * observed);
            Set<String> seenAgain = new HashSet<>(onChallengerBefore);
            seenAgain.retainAll(variantsByUser.keySet());
            assertTrue(onChallenger.containsAll(seenAgain), "raising the share to " + w.share + "% only adds users");
            onChallengerBefore.addAll(onChallenger);
            if (w.share == 100) {
                variantsByUser.values().forEach(v -> assertEquals(Set.of("champion " + CHALLENGER), v, "promoted at 100%"));
            }
        }

        // 3. Automatic rollback.
        ModelEvent verdict = events.stream().filter(e -> e.getEvent().equals(RolloutJudge.EVENT)).findFirst().orElseThrow();
        assertEquals(FAILING, verdict.getModelVersion());
        assertEquals(RolloutRules.RULE_ERRORS, verdict.getRule(), verdict.getReason());
        assertNotNull(verdict.getReason());
        assertTrue(verdict.getReason().contains("scoring error rate"), verdict.getReason());
        assertEquals(1, events.stream().filter(e -> e.getEvent().equals(RolloutJudge.EVENT)).count(), "one automatic rollback");
        // The judge's rollback on router-models, signed with the job's key (which the scorers accepted: it rolled back).
        String jobKeyId = ModelSigner.read(keys.resolve("job.key")).keyId();
        List<ModelControl> judged = new ArrayList<>();
        for (byte[] b : io.readUntil(Topics.ROUTER_MODELS, got -> false, Duration.ofSeconds(2))) {
            try {
                ModelControl c = AvroWire.MODEL_CONTROL.decode(b);
                if (RolloutJudge.REQUESTED_BY.equals(c.getRequestedBy())) judged.add(c);
            } catch (org.agentrouter.wire.WireFormatException releaseNotControl) {
                // a release
            }
        }
        assertEquals(1, judged.size(), "one automatic rollback on router-models");
        assertEquals(jobKeyId, judged.get(0).getKeyId(), "signed with the job's own key");
        assertEquals(64, judged.get(0).getSignature().remaining());
        long rolledBackEverywhere = 0;
        for (ModelEvent e : events) {
            if (e.getEvent().equals("rolled back") && e.getModelVersion().equals(FAILING)) {
                assertTrue(e.getReason().contains(RolloutJudge.REQUESTED_BY), e.getReason());
                assertEquals(CHALLENGER, e.getServingVersion());
                assertEquals("", e.getChallengerVersion(), "no challenger serves after the rollback");
                rolledBackEverywhere = Math.max(rolledBackEverywhere, e.getAtMs());
            }
        }
        long firstFailure = Long.MAX_VALUE;
        int failed = 0;
        int afterRollback = 0;
        for (RoutingDecision d : byId.values()) {
            if (d.getModelVersion().equals(FAILING)) {
                assertTrue(d.getDecidedAtMs() < rolledBackEverywhere, "the failing challenger decided after its rollback");
                assertTrue(d.getFallbackLevel() != FallbackLevel.NONE, "a failed scoring falls back: " + d.getQueryId());
                firstFailure = Math.min(firstFailure, d.getDecidedAtMs());
                failed++;
            }
            if (d.getDecidedAtMs() > rolledBackEverywhere) {
                afterRollback++;
                assertEquals("champion " + CHALLENGER, d.getModelRole() + " " + d.getModelVersion(), "after the rollback");
                assertEquals(FallbackLevel.NONE, d.getFallbackLevel(), "after the rollback: " + d.getFallbackReason());
            }
        }
        assertTrue(failed >= 100, "the judge waited for its minimum of decisions: " + failed);
        assertTrue(afterRollback > 0, "queries were decided after the rollback");
        System.out.printf("auto-rollback: first failing decision -> judge's verdict %d ms, -> rolled back on every scorer %d ms "
                        + "(%d failed decisions, publish -> verdict %d ms)%n", verdict.getAtMs() - firstFailure,
                rolledBackEverywhere - firstFailure, failed, verdict.getAtMs() - failingPublishedAt);

        // What ./router models prints: roles, the rollbacks with their reasons.
        String models = printed(() -> cli("models", "--bootstrap", bootstrap));
        assertTrue(models.contains("subtask 0: champion " + CHALLENGER) && models.contains("subtask 1: champion " + CHALLENGER), models);
        assertTrue(models.contains("automatic: challenger " + FAILING + " (" + RolloutRules.RULE_ERRORS + ")"), models);
        assertTrue(models.contains("challenger " + FAILING + ": challenger " + FAILING + " withdrawn"), models);
        assertFalse(models.contains("           challenger "), "no challenger serves any more: " + models);

        assertEquals(JobStatus.RUNNING, job.getJobStatus().get());
        assertEquals(0, ModelRolloutEndToEndTest.numRestarts(restPort, job), "the job never restarted");
        JsonNode failures = ModelRolloutEndToEndTest.exceptionHistory(restPort, job);
        assertTrue(failures.isArray() && failures.isEmpty(), "no task ever failed: " + failures);
    }

    /** What a command printed on standard output. */
    private static String printed(java.util.function.IntSupplier command) {
        java.io.PrintStream stdout = System.out;
        java.io.ByteArrayOutputStream buffer = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(buffer, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertEquals(0, command.getAsInt());
        } finally {
            System.setOut(stdout);
        }
        String text = buffer.toString(java.nio.charset.StandardCharsets.UTF_8);
        stdout.print(text);
        return text;
    }

    /** Waits for a model event matching {@code which} from every scorer subtask; the latest of their times. */
    private static long lastOfEachSubtask(TopicIO io, Predicate<ModelEvent> which) {
        Map<Integer, Long> bySubtask = new HashMap<>();
        io.readUntil(Topics.MODEL_EVENTS, got -> {
            bySubtask.clear();
            for (ModelEvent e : decodeEventsQuietly(got)) {
                if (which.test(e)) bySubtask.merge(e.getSubtask(), e.getAtMs(), Math::max);
            }
            return bySubtask.size() >= PARALLELISM;
        }, WAIT);
        assertEquals(PARALLELISM, bySubtask.size(), "every scorer subtask answered");
        return bySubtask.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    }

    /** Waits until every scorer subtask emitted {@code count} events matching {@code which}; returns them. */
    private static List<ModelEvent> waitForEachSubtask(TopicIO io, Predicate<ModelEvent> which, int count) {
        List<ModelEvent> matching = new ArrayList<>();
        io.readUntil(Topics.MODEL_EVENTS, got -> {
            matching.clear();
            decodeEventsQuietly(got).stream().filter(which).forEach(matching::add);
            Map<Integer, Long> bySubtask = new HashMap<>();
            matching.forEach(e -> bySubtask.merge(e.getSubtask(), 1L, Long::sum));
            return bySubtask.size() >= PARALLELISM && bySubtask.values().stream().allMatch(n -> n >= count);
        }, WAIT);
        assertEquals(PARALLELISM * count, matching.size(), "every scorer subtask refused each: " + matching);
        return matching;
    }

    private static List<ModelEvent> decodeEventsQuietly(List<byte[]> raw) {
        try {
            return decodeEvents(raw);
        } catch (Exception e) {
            throw new AssertionError("undecodable model event", e);
        }
    }

    private static int countIds(List<byte[]> raw, Set<String> ids) {
        Set<String> seen = new HashSet<>();
        for (RoutingDecision d : decodeDecisions(raw)) {
            if (ids.contains(d.getQueryId())) seen.add(d.getQueryId());
        }
        return seen.size();
    }
}
