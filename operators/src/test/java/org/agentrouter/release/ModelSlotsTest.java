package org.agentrouter.release;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.signing.ModelKeys;
import org.agentrouter.signing.ModelSigner;
import org.agentrouter.signing.TrustedModelKeys;
import org.agentrouter.wire.AvroWire;
import org.junit.jupiter.api.Test;

/**
 * The hot-reload rules as plain rules: a map stands for the broadcast state, real ONNX Runtime sessions serve.
 * (CandidateScorerTest runs the same rules through the Flink operator and its broadcast state.)
 */
class ModelSlotsTest {
    private static final String BUNDLED = "models/default";
    private final Map<String, byte[]> map = new HashMap<>();
    private final ModelSlots.SlotState state = new ModelSlots.SlotState() {
        public byte[] get(String key) {
            return map.get(key);
        }

        public void put(String key, byte[] value) {
            map.put(key, value);
        }

        public void remove(String key) {
            map.remove(key);
        }
    };

    private static ModelRelease release(String version, String role, int share) throws Exception {
        return ModelRelease.newBuilder(ModelReleases.fromClasspath(BUNDLED)).setVersion(version).setRole(role)
                .setSharePercent(share).build();
    }

    private static byte[] champion(String version) throws Exception {
        return AvroWire.MODEL_RELEASE.encode(release(version, ModelSlots.CHAMPION, 0));
    }

    private static byte[] challenger(String version, int share) throws Exception {
        return AvroWire.MODEL_RELEASE.encode(release(version, ModelSlots.CHALLENGER, share));
    }

    private static ModelControl control(String action, int share, boolean shadow, String onlyVersion) {
        return ModelControl.newBuilder().setAction(action).setSharePercent(share).setShadow(shadow)
                .setModelVersion(onlyVersion == null ? "" : onlyVersion).setRequestedBy("test").setRequestedAtMs(0).build();
    }

    private static List<String> summary(List<ModelEvent> events) {
        return events.stream().map(e -> e.getEvent() + ":" + (e.getRule() == null ? e.getModelVersion() : e.getRule())
                + ":" + e.getServingVersion()).toList();
    }

    private ModelSlots slots(TrustedModelKeys keys) throws Exception {
        ModelSlots slots = new ModelSlots(OrtEnvironment.getEnvironment(), keys, 0);
        slots.serveBundled(BUNDLED);
        return slots;
    }

    @Test
    void aNewChampionKeepsTheOneItReplacesAsLastKnownGoodAndARollbackGoesBackOneStepOnly() throws Exception {
        String v0 = ModelReleases.fromClasspath(BUNDLED).getVersion();
        try (ModelSlots slots = slots(TrustedModelKeys.none())) {
            assertEquals(List.of("accepted:1.4.0:1.4.0"), summary(slots.apply(champion("1.4.0"), state)));
            assertEquals(v0, AvroWire.MODEL_RELEASE.decode(map.get(ModelSlots.LAST_KNOWN_GOOD_KEY)).getVersion());
            assertEquals(List.of("refused:version not newer:1.4.0"), summary(slots.apply(champion("1.3.0"), state)));

            byte[] rollback = AvroWire.MODEL_CONTROL.encode(control(ModelSlots.ROLLBACK, 0, false, null));
            assertEquals(List.of("rolled back:" + v0 + ":" + v0), summary(slots.apply(rollback, state)));
            assertNull(map.get(ModelSlots.LAST_KNOWN_GOOD_KEY));
            assertEquals(List.of("refused:nothing to roll back to:" + v0), summary(slots.apply(rollback, state)));
            assertEquals(v0, slots.champion().version.toString());
        }
    }

    @Test
    void aChallengerServesItsShareIsPromotedAtAHundredAndAControlForAnotherVersionIsIgnored() throws Exception {
        try (ModelSlots slots = slots(TrustedModelKeys.none())) {
            slots.apply(champion("1.2.0"), state);
            assertEquals(List.of("accepted:1.3.0:1.2.0"), summary(slots.apply(challenger("1.3.0", 30), state)));
            assertEquals(30, slots.challengerShare());
            int toChallenger = 0;
            for (int u = 0; u < 1000; u++) {
                if (slots.decidingFor("user-" + u) == slots.challenger()) toChallenger++;
            }
            assertTrue(toChallenger > 200 && toChallenger < 400, "about 30% of users: " + toChallenger);

            byte[] staleRollback = AvroWire.MODEL_CONTROL.encode(control(ModelSlots.ROLLBACK, 0, false, "1.2.9"));
            assertEquals(List.of("ignored:1.2.9:1.2.0"), summary(slots.apply(staleRollback, state)));
            assertNotNull(slots.challenger());

            byte[] shadow = AvroWire.MODEL_CONTROL.encode(control(ModelSlots.ROLLOUT, 0, true, null));
            assertEquals(List.of("rollout:1.3.0:1.2.0"), summary(slots.apply(shadow, state)));
            assertTrue(slots.challengerInShadow());
            assertSame(slots.champion(), slots.decidingFor("user-1"), "in shadow mode the champion decides for everyone");

            byte[] all = AvroWire.MODEL_CONTROL.encode(control(ModelSlots.ROLLOUT, 100, false, null));
            assertEquals(List.of("rollout:1.3.0:1.2.0", "promoted:1.3.0:1.3.0"), summary(slots.apply(all, state)));
            assertNull(slots.challenger());
            assertNull(map.get(ModelSlots.CHALLENGER_KEY));
            assertEquals("1.2.0", AvroWire.MODEL_RELEASE.decode(map.get(ModelSlots.LAST_KNOWN_GOOD_KEY)).getVersion());
            assertEquals(ModelSlots.CHAMPION, AvroWire.MODEL_RELEASE.decode(map.get(ModelSlots.CHAMPION_KEY)).getRole());
        }
    }

    @Test
    void aRollbackWithdrawsTheChallengerFirstAndBadRecordsAreRefusedWithTheirRule() throws Exception {
        try (ModelSlots slots = slots(TrustedModelKeys.none())) {
            slots.apply(challenger("1.5.0", 10), state);
            byte[] rollback = AvroWire.MODEL_CONTROL.encode(control(ModelSlots.ROLLBACK, 0, false, "1.5.0"));
            assertEquals("rolled back", slots.apply(rollback, state).get(0).getEvent());
            assertNull(slots.challenger());
            assertEquals("unknown role", slots.apply(AvroWire.MODEL_RELEASE.encode(release("1.6.0", "boss", 0)), state).get(0).getRule());
            assertEquals("bad share", slots.apply(challenger("1.6.0", 101), state).get(0).getRule());
            assertEquals("undecodable release", slots.apply("junk".getBytes(), state).get(0).getRule());
            byte[] noChallenger = AvroWire.MODEL_CONTROL.encode(control(ModelSlots.ROLLOUT, 50, false, null));
            assertEquals("no challenger", slots.apply(noChallenger, state).get(0).getRule());
        }
    }

    @Test
    void withTrustedKeysOnlySignedReleasesAndControlsAreAccepted() throws Exception {
        ModelSigner signer = new ModelSigner(ModelKeys.generate());
        TrustedModelKeys keys = TrustedModelKeys.of(List.of(
                java.security.KeyFactory.getInstance(ModelKeys.ALGORITHM).generatePublic(
                        new java.security.spec.X509EncodedKeySpec(signer.publicKeyX509()))));
        try (ModelSlots slots = slots(keys)) {
            assertEquals(TrustedModelKeys.RULE, slots.apply(champion("1.4.0"), state).get(0).getRule());
            byte[] signed = AvroWire.MODEL_RELEASE.encode(signer.sign(release("1.4.0", ModelSlots.CHAMPION, 0)));
            assertEquals(ModelSlots.ACCEPTED, slots.apply(signed, state).get(0).getEvent());
            byte[] unsignedRollback = AvroWire.MODEL_CONTROL.encode(control(ModelSlots.ROLLBACK, 0, false, null));
            assertEquals(TrustedModelKeys.RULE, slots.apply(unsignedRollback, state).get(0).getRule());
            assertEquals("1.4.0", slots.champion().version.toString());
        }
    }

    @Test
    void freshSlotsRebuildWhatTheStateHoldsWithoutCheckingAgain() throws Exception {
        try (ModelSlots first = slots(TrustedModelKeys.none())) {
            first.apply(champion("1.7.0"), state);
            first.apply(challenger("1.8.0", 40), state);
        }
        try (ModelSlots restored = new ModelSlots(OrtEnvironment.getEnvironment(), TrustedModelKeys.none(), 1)) {
            restored.sync(state);
            assertEquals("1.7.0", restored.champion().version.toString());
            assertEquals("1.8.0", restored.challenger().version.toString());
            assertEquals(40, restored.challengerShare());
            assertArrayEquals(map.get(ModelSlots.CHAMPION_KEY), AvroWire.MODEL_RELEASE.encode(
                    AvroWire.MODEL_RELEASE.decode(map.get(ModelSlots.CHAMPION_KEY))));
        }
    }
}
