package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.agentrouter.rollout.RolloutRules;
import org.agentrouter.rollout.VariantStats;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The rollout judge as an operator: one rollback per bad challenger version (not one per report), nothing
 * before the minimum of decisions, and its window and its memory of rolled-back versions survive a restore.
 */
class RolloutJudgeTest {
    private static KeyedOneInputStreamOperatorTestHarness<String, VariantStats, KafkaMessage> harness(OperatorSubtaskState from)
            throws Exception {
        return harness(from, null);
    }

    private static KeyedOneInputStreamOperatorTestHarness<String, VariantStats, KafkaMessage> harness(OperatorSubtaskState from,
            org.agentrouter.signing.ModelSigner signer) throws Exception {
        RolloutRules.Settings settings = new RolloutRules.Settings();
        settings.minDecisions = 100;
        KeyedOneInputStreamOperatorTestHarness<String, VariantStats, KafkaMessage> h = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new RolloutJudge(settings, signer)), s -> RolloutJudge.KEY, Types.STRING);
        h.setup();
        if (from != null) h.initializeState(from);
        h.open();
        return h;
    }

    private static VariantStats report(String role, String version, int decisions, int failures) {
        VariantStats s = VariantStats.decisions(role, version, false, 0);
        for (int i = 0; i < decisions; i++) s.record(i < failures, i < failures, false, 40);
        s.atMs = System.currentTimeMillis();
        return s;
    }

    private static void send(KeyedOneInputStreamOperatorTestHarness<String, VariantStats, KafkaMessage> h, VariantStats s)
            throws Exception {
        h.processElement(s, 0);
    }

    private static List<ModelControl> controls(KeyedOneInputStreamOperatorTestHarness<String, VariantStats, KafkaMessage> h)
            throws Exception {
        List<ModelControl> out = new ArrayList<>();
        for (KafkaMessage m : h.extractOutputValues()) {
            assertEquals("control", m.key);
            out.add(AvroWire.MODEL_CONTROL.decode(m.value));
        }
        return out;
    }

    @Test
    void oneRollbackPerBadVersionThatSurvivesARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            send(h, report("champion", "1.0.0", 300, 0));
            send(h, report("challenger", "1.1.0", 60, 30)); // 50% errors, but only 60 decisions
            assertEquals(List.of(), controls(h));
            send(h, report("challenger", "1.1.0", 60, 30));
            List<ModelControl> c = controls(h);
            assertEquals(1, c.size());
            assertEquals(CandidateScorer.ROLLBACK, c.get(0).getAction());
            assertEquals("1.1.0", c.get(0).getModelVersion());
            assertEquals(RolloutJudge.REQUESTED_BY, c.get(0).getRequestedBy());
            assertTrue(c.get(0).getReason().contains(RolloutRules.RULE_ERRORS), c.get(0).getReason());
            ModelEvent e = AvroWire.MODEL_EVENT.decode(h.getSideOutput(RouterOutputs.MODEL_EVENTS).peek().getValue().value);
            assertEquals(RolloutJudge.EVENT + " 1.1.0 1.0.0", e.getEvent() + " " + e.getModelVersion() + " " + e.getServingVersion());

            send(h, report("challenger", "1.1.0", 200, 100)); // in-flight reports of the withdrawn version
            assertEquals(1, controls(h).size(), "no second rollback of the same version");
            snapshot = h.snapshot(1L, 1L);
        }
        try (var restored = harness(snapshot)) {
            send(restored, report("challenger", "1.1.0", 200, 100));
            assertEquals(List.of(), controls(restored), "the restored judge remembers the rollback");
            send(restored, report("challenger", "1.2.0", 200, 0)); // a healthy next challenger
            assertEquals(List.of(), controls(restored));
        }
    }

    @Test
    void theWindowSurvivesARestore() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(null)) {
            send(h, report("champion", "1.0.0", 300, 0));
            send(h, report("challenger", "1.3.0", 90, 45));
            assertEquals(List.of(), controls(h));
            snapshot = h.snapshot(1L, 1L);
        }
        try (var restored = harness(snapshot)) {
            send(restored, report("challenger", "1.3.0", 20, 10));
            List<ModelControl> c = controls(restored);
            assertEquals(1, c.size(), "90 decisions before the restore and 20 after make the minimum");
            assertEquals("1.3.0", c.get(0).getModelVersion());
        }
    }

    @Test
    void aDriftingChallengerVersionIsRolledBackAndAChampionAloneNever() throws Exception {
        try (var h = harness(null)) {
            send(h, report("champion", "1.0.0", 1000, 900)); // a failing champion is not the judge's to withdraw
            assertEquals(List.of(), controls(h));
            send(h, report("challenger", "1.4.0", 5, 0));
            send(h, VariantStats.guarantee("1.4.0", 0.4, true, "violation rate 0.400 over the last 80 outcomes", System.currentTimeMillis()));
            List<ModelControl> c = controls(h);
            assertEquals(1, c.size());
            assertTrue(c.get(0).getReason().contains(RolloutRules.RULE_GUARANTEE), c.get(0).getReason());
        }
    }

    @Test
    void withTheJobsKeyTheRollbackIsSignedAndScorersThatTrustItAccept() throws Exception {
        java.security.KeyPair jobKey = org.agentrouter.signing.ModelKeys.generate();
        org.agentrouter.signing.ModelSigner signer = new org.agentrouter.signing.ModelSigner(jobKey);
        org.agentrouter.signing.TrustedModelKeys scorers = org.agentrouter.signing.TrustedModelKeys
                .of(List.of(org.agentrouter.signing.ModelKeys.generate().getPublic())).withJudgeKey(signer.publicKeyX509());
        try (var h = harness(null, signer)) {
            send(h, report("champion", "1.0.0", 300, 0));
            send(h, report("challenger", "1.1.0", 150, 75));
            List<ModelControl> c = controls(h);
            assertEquals(1, c.size());
            assertEquals(signer.keyId(), c.get(0).getKeyId());
            scorers.verify(c.get(0)); // throws when it does not verify
            org.agentrouter.scoring.ModelRejectedException unsigned = org.junit.jupiter.api.Assertions.assertThrows(
                    org.agentrouter.scoring.ModelRejectedException.class,
                    () -> scorers.verify(ModelControl.newBuilder(c.get(0)).setSignature(java.nio.ByteBuffer.allocate(0)).build()));
            assertEquals("signature", unsigned.rule());
        }
    }
}
