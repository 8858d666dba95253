package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.QueryContext;
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

            ModelRelease tampered = ModelRelease.newBuilder(bundled()).setVersion("9.0.0")
                    .setSha256("00".repeat(32)).build();
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(tampered), 0);
            ModelRelease wrongLayout = ModelRelease.newBuilder(bundled()).setVersion("9.0.1").setFeatureLayoutVersion(99).build();
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(wrongLayout), 0);
            ModelRelease notOnnx = ModelRelease.newBuilder(bundled()).setVersion("9.0.2")
                    .setOnnxModel(ByteBuffer.wrap("junk".getBytes()))
                    .setSha256(ModelReleases.sha256Hex("junk".getBytes())).build();
            h.processBroadcastElement(AvroWire.MODEL_RELEASE.encode(notOnnx), 0);
            h.processBroadcastElement("not a release".getBytes(), 0);
            h.processElement(query("b"), 0);

            h.processBroadcastElement(withVersion("1.4.0"), 0);
            h.processElement(query("c"), 0);
            h.processBroadcastElement(withVersion("1.3.9"), 0); // older: refused
            h.processElement(query("d"), 0);

            List<QueryContext> out = h.extractOutputValues();
            assertEquals(List.of(v0, v0, "1.4.0", "1.4.0"), out.stream().map(q -> q.modelVersion).toList());

            List<String> events = new java.util.ArrayList<>();
            for (var r : h.getSideOutput(RouterOutputs.MODEL_EVENTS)) {
                ModelEvent e = AvroWire.MODEL_EVENT.decode(r.getValue().value);
                events.add(e.getEvent() + ":" + (e.getRule() == null ? e.getModelVersion() : e.getRule()) + ":" + e.getServingVersion());
            }
            assertEquals(List.of("refused:sha256 mismatch:" + v0, "refused:feature layout mismatch:" + v0,
                    "refused:onnx contract:" + v0, "refused:undecodable release:" + v0,
                    "accepted:1.4.0:1.4.0", "refused:version not newer:1.4.0"), events);
            for (QueryContext q : out) {
                assertNull(q.scoringFailure);
                assertTrue(q.pStrong > 0.5 && q.pStrong <= 1.0, "evidence for strong raises p_strong: " + q.pStrong);
                assertTrue(q.relevance[0] > 0 && q.relevance[1] == 0f, "padding rows have no relevance");
                assertEquals(3, q.calibrationAlphas.length);
            }
        }
    }

    @Test
    void aRestoredOperatorServesTheLastAcceptedReleaseAtOnce() throws Exception {
        OperatorSubtaskState snapshot;
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> h = harness()) {
            h.processBroadcastElement(withVersion("1.7.0"), 0);
            h.processElement(query("before"), 0);
            snapshot = h.snapshot(1L, 1L);
        }
        try (BroadcastOperatorTestHarness<QueryContext, byte[], QueryContext> restored = new BroadcastOperatorTestHarness<>(
                new CoBroadcastWithNonKeyedOperator<>(new CandidateScorer(BUNDLED, CircuitBreaker.Settings.defaults()), List.of(CandidateScorer.MODEL_STATE)), 1, 1, 0)) {
            restored.setup();
            restored.initializeState(snapshot);
            restored.open();
            restored.processElement(query("after-restore"), 0);
            assertEquals("1.7.0", restored.extractOutputValues().get(0).modelVersion);
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
                assertTrue(out.get(i).scoringFailure.startsWith("scorer failed"), out.get(i).scoringFailure);
            }
            assertEquals("scorer circuit open", out.get(3).scoringFailure);
        }
    }
}
