package org.agentrouter.flink;

import org.agentrouter.release.ModelSlots;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.query.QueryContext;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The scoring stage alone with a real ONNX Runtime session: the bundled release serves first, a valid
 * newer release replaces it, bad releases are refused while the current one keeps serving, and a
 * restored operator serves the last accepted release before any new message arrives.
 */
class CandidateScorerTest {
    private static final String BUNDLED = "models/default";

    private static QueryContext query(String id) {
        QueryContext q = new QueryContext();
        q.queryId = id;
        q.candidateFeatures = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
        q.queryFeatures = new float[FeatureLayout.QUERY_WIDTH];
        // one memory the strong model answered and the cheap one did not
        q.candidateFeatures[FeatureLayout.C_PRESENT] = 1f;
        q.candidateFeatures[FeatureLayout.C_SIMILARITY] = 0.9f;
        q.candidateFeatures[FeatureLayout.C_STRONG_OUTCOME] = 1f;
        q.candidateFeatures[FeatureLayout.C_OUTCOME_KNOWN] = 1f;
        q.candidateCount = 1;
        return q;
    }

    private static ModelRelease bundled() throws Exception {
        return ModelReleases.fromClasspath(BUNDLED);
    }

    /** The versions these tests publish (1.1x.y) are newer than the bundled release, whatever 1.x it is. */
    private static byte[] withVersion(String version) throws Exception {
        return AvroWire.MODEL_RELEASE.encode(ModelRelease.newBuilder(bundled()).setVersion(version).build());
    }

    private static BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> harness() throws Exception {
        return ProcessFunctionTestHarnesses.forBroadcastProcessFunction(new CandidateScorer(BUNDLED, CircuitBreaker.Settings.defaults()), CandidateScorer.MODEL_STATE);
    }

    @Test
    void servesTheBundledReleaseThenSwapsToANewerOneAndRefusesBadOnes() throws Exception {
        String v0 = bundled().getVersion();
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processElement(query("a"), 0);

            ModelRelease tampered = ModelRelease.newBuilder(bundled()).setVersion("1.19.0")
                    .setSha256("00".repeat(32)).build();
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(tampered), 0);
            ModelRelease wrongLayout = ModelRelease.newBuilder(bundled()).setVersion("1.19.1").setFeatureLayoutVersion(99).build();
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(wrongLayout), 0);
            ModelRelease notOnnx = ModelRelease.newBuilder(bundled()).setVersion("1.19.2")
                    .setOnnxModel(ByteBuffer.wrap("junk".getBytes()))
                    .setSha256(ModelReleases.sha256Hex("junk".getBytes())).build();
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(notOnnx), 0);
            h.processBroadcastElement("not a release".getBytes(), 0);
            h.processElement(query("b"), 0);

            h.processBroadcastElement(withVersion("1.14.0"), 0);
            h.processElement(query("c"), 0);
            h.processBroadcastElement(withVersion("1.13.9"), 0); // older: refused
            h.processBroadcastElement(withVersion("1.14.0"), 0); // the same again: refused
            h.processElement(query("d"), 0);
            h.processBroadcastElement(withVersion("2.0.0"), 0); // MAJOR change without --allow-major: refused
            h.processElement(query("e"), 0);
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(
                    ModelRelease.newBuilder(bundled()).setVersion("2.0.0").setAllowMajor(true).build()), 0);
            h.processElement(query("f"), 0);

            List<QueryContext> out = h.extractOutputValues();
            assertEquals(List.of(v0, v0, "1.14.0", "1.14.0", "1.14.0", "2.0.0"), out.stream().map(q -> q.score.modelVersion).toList());

            List<String> events = new java.util.ArrayList<>();
            for (var r : h.getSideOutput(RouterOutputs.MODEL_EVENTS)) {
                ModelEvent e = AvroWire.MODEL_EVENT.decode(r.getValue().value);
                events.add(e.getEvent() + ":" + (e.getRule() == null ? e.getModelVersion() : e.getRule()) + ":" + e.getServingVersion());
            }
            assertEquals(List.of("refused:sha256 mismatch:" + v0, "refused:feature layout mismatch:" + v0,
                    "refused:graph:" + v0, "refused:undecodable release:" + v0,
                    "accepted:1.14.0:1.14.0", "refused:version not newer:1.14.0", "refused:version not newer:1.14.0",
                    "refused:major version change:1.14.0", "accepted:2.0.0:2.0.0"), events);
            for (QueryContext q : out) {
                assertNull(q.score.failure);
                assertTrue(q.score.pStrong > 0.5 && q.score.pStrong <= 1.0, "evidence for strong raises p_strong: " + q.score.pStrong);
                assertTrue(q.score.relevance[0] > 0 && q.score.relevance[1] == 0f, "padding rows have no relevance");
                assertEquals(3, q.score.calibrationAlphas.length);
            }
        }
    }

    @Test
    void aRestoredOperatorServesTheLastAcceptedReleaseAtOnce() throws Exception {
        OperatorSubtaskState snapshot;
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processBroadcastElement(withVersion("1.17.0"), 0);
            h.processElement(query("before"), 0);
            snapshot = h.snapshot(1L, 1L);
        }
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> restored = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new CandidateScorer(BUNDLED, CircuitBreaker.Settings.defaults()), List.of(CandidateScorer.MODEL_STATE)), 1, 1, 0)) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(query("after-restore"), 0);
            assertEquals("1.17.0", restored.extractOutputValues().get(0).score.modelVersion);
        }
    }

    @Test
    void aScorerThatKeepsFailingOpensItsBreakerAndQueriesFallBack() throws Exception {
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = ProcessFunctionTestHarnesses
                .forBroadcastProcessFunction(new CandidateScorer(BUNDLED, new CircuitBreaker.Settings(3, 60_000, 60_000)),
                        CandidateScorer.MODEL_STATE)) {
            for (int i = 0; i < 3; i++) {
                QueryContext broken = query("broken-" + i);
                broken.candidateFeatures = new float[7]; // the session refuses input of the wrong size at run time
                h.processElement(broken, 0);
            }
            h.processElement(query("healthy-but-breaker-open"), 0);
            List<QueryContext> out = h.extractOutputValues();
            assertEquals(4, out.size(), "every query goes on, failed or not");
            for (int i = 0; i < 3; i++) {
                assertTrue(out.get(i).score.failure.startsWith("scorer failed"), out.get(i).score.failure);
            }
            assertEquals("scorer circuit open", out.get(3).score.failure);
        }
    }

    private static byte[] rollback() {
        return AvroWire.MODEL_CONTROL.encode(ModelControl.newBuilder().setAction(ModelSlots.ROLLBACK)
                .setReason("canary looked bad").setRequestedAtMs(0).build());
    }

    private static List<String> events(BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h) throws Exception {
        List<String> events = new java.util.ArrayList<>();
        for (var r : h.getSideOutput(RouterOutputs.MODEL_EVENTS)) {
            ModelEvent e = AvroWire.MODEL_EVENT.decode(r.getValue().value);
            events.add(e.getEvent() + ":" + (e.getRule() == null ? e.getModelVersion() : e.getRule()) + ":" + e.getServingVersion());
        }
        return events;
    }

    @Test
    void aRollbackReturnsToTheLastKnownGoodReleaseKeptInStateAcrossARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processBroadcastElement(withVersion("1.11.0"), 0);
            h.processBroadcastElement(withVersion("1.12.0"), 0);
            h.processElement(query("before"), 0);
            snapshot = h.snapshot(1L, 1L);
        }
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> restored = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new CandidateScorer(BUNDLED, CircuitBreaker.Settings.defaults()), List.of(CandidateScorer.MODEL_STATE)), 1, 1, 0)) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            restored.processBroadcastElement(rollback(), 0); // before any query: the state, not the slot, knows 1.12.0 serves
            restored.processElement(query("after-rollback"), 0);
            restored.processBroadcastElement(rollback(), 0); // one step only
            restored.processElement(query("after-second-rollback"), 0);
            restored.processBroadcastElement(withVersion("1.12.0"), 0); // newer than 1.11.0 again: accepted
            restored.processElement(query("after-republish"), 0);

            assertEquals(List.of("1.11.0", "1.11.0", "1.12.0"),
                    restored.extractOutputValues().stream().map(q -> q.score.modelVersion).toList());
            assertEquals(List.of("rolled back:1.11.0:1.11.0", "refused:nothing to roll back to:1.11.0", "accepted:1.12.0:1.12.0"),
                    events(restored));
            ModelEvent rolledBack = AvroWire.MODEL_EVENT.decode(restored.getSideOutput(RouterOutputs.MODEL_EVENTS).peek().getValue().value);
            assertEquals("rolled back from 1.12.0: canary looked bad", rolledBack.getReason());
        }
    }

    @Test
    void theFirstAcceptedReleaseRollsBackToTheBundledOneAndAnExplicitRollbackMayGoOlder() throws Exception {
        String v0 = bundled().getVersion();
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processBroadcastElement(rollback(), 0); // nothing accepted yet
            h.processBroadcastElement(withVersion("1.13.0"), 0);
            h.processElement(query("a"), 0);
            h.processBroadcastElement(rollback(), 0);
            h.processElement(query("b"), 0);
            h.processBroadcastElement(withVersion("1.15.0"), 0);
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(
                    ModelRelease.newBuilder(bundled()).setVersion("1.14.0").setRollback(true).build()), 0);
            h.processElement(query("c"), 0);
            h.processBroadcastElement(rollback(), 0); // back to what served before the explicit rollback
            h.processElement(query("d"), 0);
            h.processBroadcastElement(AvroWire.MODEL_CONTROL.encode(ModelControl.newBuilder().setAction("promote")
                    .setRequestedAtMs(0).build()), 0);
            h.processElement(query("e"), 0);

            assertEquals(List.of("1.13.0", v0, "1.14.0", "1.15.0", "1.15.0"),
                    h.extractOutputValues().stream().map(q -> q.score.modelVersion).toList());
            assertEquals(List.of("refused:nothing to roll back to:" + v0, "accepted:1.13.0:1.13.0", "rolled back:" + v0 + ":" + v0,
                    "accepted:1.15.0:1.15.0", "accepted:1.14.0:1.14.0", "rolled back:1.15.0:1.15.0",
                    "refused:unknown control action:1.15.0"), events(h));
        }
    }

    private static QueryContext queryFrom(String user, String id) {
        QueryContext q = query(id);
        q.userId = user;
        return q;
    }

    private static byte[] challenger(String version, int share) throws Exception {
        return AvroWire.MODEL_RELEASE.encode(ModelRelease.newBuilder(bundled()).setVersion(version)
                .setRole(ModelSlots.CHALLENGER).setSharePercent(share).build());
    }

    private static byte[] rollout(int share) {
        return AvroWire.MODEL_CONTROL.encode(ModelControl.newBuilder().setAction(ModelSlots.ROLLOUT)
                .setSharePercent(share).setRequestedAtMs(0).build());
    }

    /** Scores one query per user and returns "role version" per user. */
    private static java.util.Map<String, String> variantByUser(BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h,
            List<String> users, String round) throws Exception {
        int before = h.extractOutputValues().size();
        for (String u : users) h.processElement(queryFrom(u, round + "-" + u), 0);
        List<QueryContext> out = h.extractOutputValues();
        java.util.Map<String, String> byUser = new java.util.LinkedHashMap<>();
        for (QueryContext q : out.subList(before, out.size())) {
            assertNull(q.score.failure);
            byUser.put(q.userId, q.score.modelRole + " " + q.score.modelVersion);
        }
        return byUser;
    }

    @Test
    void aChallengerServesItsShareOfUsersByConsistentHashThenIsPromotedAndSurvivesARestore() throws Exception {
        String v0 = bundled().getVersion();
        List<String> users = java.util.stream.IntStream.range(0, 400).mapToObj(i -> "user-" + i).toList();
        OperatorSubtaskState snapshot;
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processElement(query("warm-up"), 0);
            h.processBroadcastElement(challenger("1.11.0", 25), 0);
            var at25 = variantByUser(h, users, "at25");
            var again = variantByUser(h, users, "again");
            assertEquals(at25, again, "the same user, the same variant");
            for (String u : users) {
                boolean expectChallenger = org.agentrouter.routing.TrafficSplit.toChallenger(u, 25);
                assertEquals(expectChallenger ? "challenger 1.11.0" : "champion " + v0, at25.get(u), u);
            }
            long onChallenger = at25.values().stream().filter(v -> v.startsWith("challenger")).count();
            assertTrue(onChallenger > 60 && onChallenger < 140, "about a quarter of 400 users: " + onChallenger);

            h.processBroadcastElement(rollout(50), 0);
            var at50 = variantByUser(h, users, "at50");
            for (String u : users) {
                if (at25.get(u).startsWith("challenger")) assertEquals("challenger 1.11.0", at50.get(u), "stays on the challenger: " + u);
            }
            assertTrue(at50.values().stream().filter(v -> v.startsWith("challenger")).count() > onChallenger);
            snapshot = h.snapshot(1L, 1L);
        }
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> restored = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new CandidateScorer(BUNDLED, CircuitBreaker.Settings.defaults()), List.of(CandidateScorer.MODEL_STATE)), 1, 1, 0)) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            var afterRestore = variantByUser(restored, users, "restored");
            for (String u : users) {
                assertEquals(org.agentrouter.routing.TrafficSplit.toChallenger(u, 50) ? "challenger 1.11.0" : "champion " + v0,
                        afterRestore.get(u), "share 50 restored: " + u);
            }
            restored.processBroadcastElement(rollout(100), 0);
            assertEquals(java.util.Set.of("champion 1.11.0"), new java.util.HashSet<>(variantByUser(restored, users, "promoted").values()));
            restored.processBroadcastElement(rollback(), 0); // no challenger now: the champion goes back
            assertEquals(java.util.Set.of("champion " + v0), new java.util.HashSet<>(variantByUser(restored, users, "back").values()));
            restored.processBroadcastElement(rollout(30), 0); // nothing to roll out
            assertEquals(List.of("rollout:1.11.0:" + v0, "promoted:1.11.0:1.11.0", "rolled back:" + v0 + ":" + v0,
                    "refused:no challenger:" + v0), events(restored));
        }
    }

    @Test
    void aRollbackWithdrawsTheChallengerAndBadChallengersAreRefused() throws Exception {
        String v0 = bundled().getVersion();
        List<String> users = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "u" + i).toList();
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processBroadcastElement(challenger("2.0.0", 50), 0); // MAJOR change: refused as a challenger too
            h.processBroadcastElement(challenger("1.12.0", 140), 0); // not a share
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(ModelRelease.newBuilder(bundled()).setVersion("1.12.0")
                    .setRole("canary").build()), 0);
            h.processBroadcastElement(challenger("1.12.0", 100), 0); // share 100 at once: accepted and promoted
            h.processBroadcastElement(challenger("1.13.0", 5), 0);
            h.processBroadcastElement(rollback(), 0); // withdraws 1.13.0; the champion 1.12.0 stays
            assertEquals(java.util.Set.of("champion 1.12.0"), new java.util.HashSet<>(variantByUser(h, users, "r").values()));
            assertEquals(List.of("refused:major version change:" + v0, "refused:bad share:" + v0, "refused:unknown role:" + v0,
                    "accepted:1.12.0:" + v0, "promoted:1.12.0:1.12.0", "accepted:1.13.0:1.12.0", "rolled back:1.13.0:1.12.0"), events(h));
        }
    }

    private static byte[] control(String action, boolean shadow, String onlyVersion) {
        return AvroWire.MODEL_CONTROL.encode(ModelControl.newBuilder().setAction(action).setShadow(shadow)
                .setModelVersion(onlyVersion).setRequestedBy("rollout-judge").setRequestedAtMs(0).build());
    }

    @Test
    void inShadowModeTheChampionDecidesForEveryUserAndTheChallengerScoresEveryQueryToo() throws Exception {
        String v0 = bundled().getVersion();
        List<String> users = java.util.stream.IntStream.range(0, 40).mapToObj(i -> "user-" + i).toList();
        OperatorSubtaskState snapshot;
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processBroadcastElement(challenger("1.17.0", 50), 0);
            h.processBroadcastElement(control(ModelSlots.ROLLOUT, true, "1.17.0"), 0);
            variantByUser(h, users, "shadow").values().forEach(v -> assertEquals("champion " + v0, v));
            for (QueryContext q : h.extractOutputValues()) {
                assertEquals("1.17.0", q.shadow.modelVersion);
                assertNull(q.shadow.failure);
                assertTrue(q.shadow.pStrong >= 0 && q.shadow.pStrong <= 1, "shadow score " + q.shadow.pStrong);
                assertEquals(q.score.pStrong, q.shadow.pStrong, 1e-6, "the same graph scores the same");
                assertTrue(q.shadow.micros >= 0 && q.score.micros >= 0);
            }
            snapshot = h.snapshot(1L, 1L);
        }
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> restored = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new CandidateScorer(BUNDLED, CircuitBreaker.Settings.defaults()), List.of(CandidateScorer.MODEL_STATE)), 1, 1, 0)) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            // Shadow mode is in broadcast state: it survives the restore.
            variantByUser(restored, users, "restored").values().forEach(v -> assertEquals("champion " + v0, v));
            assertTrue(restored.extractOutputValues().stream().allMatch(q -> "1.17.0".equals(q.shadow.modelVersion)));
            restored.processBroadcastElement(rollout(50), 0); // ends shadow mode: half the users on the challenger
            java.util.Map<String, String> live = variantByUser(restored, users, "live");
            assertTrue(live.containsValue("challenger 1.17.0") && live.containsValue("champion " + v0), live.toString());
            List<QueryContext> out = restored.extractOutputValues();
            assertNull(out.get(out.size() - 1).shadow, "no shadow scoring once live");
        }
    }

    @Test
    void aControlForAChallengerVersionThatNoLongerServesIsIgnored() throws Exception {
        String v0 = bundled().getVersion();
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processBroadcastElement(challenger("1.17.0", 100), 0); // promoted at once
            h.processBroadcastElement(challenger("1.18.0", 50), 0);
            h.processBroadcastElement(control(ModelSlots.ROLLBACK, false, "1.17.0"), 0); // 1.18.0 serves: ignored
            h.processBroadcastElement(control(ModelSlots.ROLLBACK, false, "1.18.0"), 0); // withdraws 1.18.0
            h.processBroadcastElement(control(ModelSlots.ROLLBACK, false, "1.18.0"), 0); // repeated: ignored, champion kept
            h.processElement(query("after"), 0);

            assertEquals("1.17.0", h.extractOutputValues().get(0).score.modelVersion);
            List<String> events = events(h);
            assertEquals(List.of("accepted:1.17.0:" + v0, "promoted:1.17.0:1.17.0", "accepted:1.18.0:1.17.0", "ignored:1.17.0:1.17.0",
                    "rolled back:1.18.0:1.17.0", "ignored:1.18.0:1.17.0"), events);
            ModelEvent rolledBack = null;
            for (var r : h.getSideOutput(RouterOutputs.MODEL_EVENTS)) {
                ModelEvent e = AvroWire.MODEL_EVENT.decode(r.getValue().value);
                if (e.getEvent().equals("rolled back")) rolledBack = e;
            }
            assertTrue(rolledBack.getReason().contains("requested by rollout-judge"), rolledBack.getReason());
            assertEquals("", rolledBack.getChallengerVersion());
        }
    }

    @Test
    void withTrustedKeysOnlySignedReleasesAndControlsActAndTheJudgesKeyOnlyWithdrawsAChallenger() throws Exception {
        String v0 = bundled().getVersion();
        java.security.KeyPair operatorKey = org.agentrouter.signing.ModelKeys.generate();
        java.security.KeyPair jobKey = org.agentrouter.signing.ModelKeys.generate();
        org.agentrouter.signing.ModelSigner operator = new org.agentrouter.signing.ModelSigner(operatorKey);
        org.agentrouter.signing.ModelSigner job = new org.agentrouter.signing.ModelSigner(jobKey);
        org.agentrouter.signing.ModelSigner stranger = new org.agentrouter.signing.ModelSigner(org.agentrouter.signing.ModelKeys.generate());
        org.agentrouter.signing.TrustedModelKeys trusted = org.agentrouter.signing.TrustedModelKeys.of(List.of(operatorKey.getPublic()))
                .withJudgeKey(job.publicKeyX509());
        ModelRelease v13 = ModelRelease.newBuilder(bundled()).setVersion("1.13.0").build();
        ModelRelease challenger14 = ModelRelease.newBuilder(bundled()).setVersion("1.14.0").setRole(ModelSlots.CHALLENGER)
                .setSharePercent(50).build();
        ModelControl operatorRollback = ModelControl.newBuilder().setAction(ModelSlots.ROLLBACK).setRequestedAtMs(0).build();
        ModelControl judgeRollback = ModelControl.newBuilder().setAction(ModelSlots.ROLLBACK).setModelVersion("1.14.0")
                .setRequestedBy(RolloutJudge.REQUESTED_BY).setRequestedAtMs(0).build();
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new CandidateScorer(BUNDLED, CircuitBreaker.Settings.defaults(), trusted), CandidateScorer.MODEL_STATE)) {
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(v13), 0); // unsigned
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(stranger.sign(v13)), 0); // an unknown key
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(ModelRelease.newBuilder(operator.sign(v13))
                    .setVersion("1.13.1").build()), 0); // changed after signing
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(job.sign(v13)), 0); // the job's key may not publish
            h.processElement(query("still-bundled"), 0);
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(operator.sign(v13)), 0);
            h.processElement(query("signed"), 0);
            h.processBroadcastElement(AvroWire.MODEL_CONTROL.encode(operatorRollback), 0); // unsigned rollback
            h.processBroadcastElement(AvroWire.MODEL_CONTROL.encode(job.sign(operatorRollback)), 0); // job key, not the judge's kind
            h.processElement(query("rollbacks-refused"), 0);
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(operator.sign(challenger14)), 0);
            h.processBroadcastElement(AvroWire.MODEL_CONTROL.encode(judgeRollback), 0); // the judge's, unsigned
            h.processBroadcastElement(AvroWire.MODEL_CONTROL.encode(job.sign(judgeRollback)), 0); // withdraws 1.14.0
            h.processBroadcastElement(AvroWire.MODEL_CONTROL.encode(operator.sign(operatorRollback)), 0); // back to v0

            assertEquals(List.of(v0, "1.13.0", "1.13.0"), h.extractOutputValues().stream().map(q -> q.score.modelVersion).toList());
            assertEquals(List.of("refused:signature:" + v0, "refused:signature:" + v0, "refused:signature:" + v0,
                    "refused:signature:" + v0, "accepted:1.13.0:1.13.0", "refused:signature:1.13.0", "refused:signature:1.13.0",
                    "accepted:1.14.0:1.13.0", "refused:signature:1.13.0", "rolled back:1.14.0:1.13.0", "rolled back:" + v0 + ":" + v0),
                    events(h));
        }
    }
}
