package org.agentrouter.signing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelRejectedException;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.wire.AvroWire;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signing and verifying releases and controls with real Ed25519 keys of the JDK, and their PEM files. */
class ModelSigningTest {
    private static final KeyPair OPERATOR = ModelKeys.generate();
    private static final KeyPair OTHER = ModelKeys.generate();
    private static final KeyPair JOB = ModelKeys.generate();

    @TempDir
    Path dir;

    private static ModelRelease release() throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("z", "last");
        metadata.put("a", "first");
        return ModelRelease.newBuilder(ModelReleases.fromClasspath("models/default")).setVersion("1.5.0")
                .setMetadata(metadata).setPublishedAtMs(42).build();
    }

    private static ModelControl control(String action, String version, String by) {
        return ModelControl.newBuilder().setAction(action).setModelVersion(version).setRequestedBy(by)
                .setReason("test").setRequestedAtMs(7).build();
    }

    private static TrustedModelKeys trusting(KeyPair... pairs) {
        return TrustedModelKeys.of(java.util.Arrays.stream(pairs).map(KeyPair::getPublic).toList());
    }

    private static String refusal(ThrowingCheck check) {
        ModelRejectedException e = assertThrows(ModelRejectedException.class, check::run);
        assertEquals(TrustedModelKeys.RULE, e.rule());
        return e.getMessage();
    }

    private interface ThrowingCheck {
        void run() throws Exception;
    }

    @Test
    void aReleaseSignedWithATrustedKeyIsAcceptedAfterTheWireAndAnythingElseIsRefused() throws Exception {
        TrustedModelKeys trusted = trusting(OPERATOR);
        ModelSigner signer = new ModelSigner(OPERATOR);
        ModelRelease signed = signer.sign(release());
        assertEquals(ModelKeys.keyId(OPERATOR.getPublic()), signed.getKeyId());
        assertEquals(64, signed.getSignature().remaining(), "an Ed25519 signature");
        // Through the wire: a decoded map need not keep the signer's order; the signed bytes sort it.
        ModelRelease received = AvroWire.MODEL_RELEASE.decode(AvroWire.MODEL_RELEASE.encode(signed));
        assertDoesNotThrow(() -> trusted.verify(received));

        assertTrue(refusal(() -> trusted.verify(release())).contains("is unsigned"));
        assertTrue(refusal(() -> trusted.verify(new ModelSigner(OTHER).sign(release()))).contains("which this job does not trust"));
        // Another key's signature under the trusted key's id.
        ModelRelease forged = ModelRelease.newBuilder(new ModelSigner(OTHER).sign(release())).setKeyId(signed.getKeyId()).build();
        assertTrue(refusal(() -> trusted.verify(forged)).contains("does not verify"));
        ModelRelease truncated = ModelRelease.newBuilder(signed).setSignature(ByteBuffer.wrap(new byte[] {1, 2, 3})).build();
        assertTrue(refusal(() -> trusted.verify(truncated)).contains("does not verify"));
    }

    @Test
    void everyFieldChangedAfterSigningBreaksTheSignature() throws Exception {
        TrustedModelKeys trusted = trusting(OPERATOR);
        ModelRelease signed = new ModelSigner(OPERATOR).sign(release());
        byte[] otherModel = ModelReleases.modelBytes(signed).clone();
        otherModel[otherModel.length - 5] ^= 1;
        List<UnaryOperator<ModelRelease.Builder>> tampering = List.of(
                b -> b.setVersion("1.5.1"),
                b -> b.setOnnxModel(ByteBuffer.wrap(otherModel)).setSha256(ModelReleases.sha256Hex(otherModel)),
                b -> b.setRole("challenger").setSharePercent(100),
                b -> b.setRollback(true),
                b -> b.setAllowMajor(true),
                b -> b.setMetadata(Map.of("a", "first")),
                b -> b.setPublishedAtMs(43),
                b -> b.setCalibration(org.agentrouter.schema.ConformalCalibration.newBuilder(b.getCalibration())
                        .setStrongThresholds(List.of(0.0, 0.0, 0.0)).build()));
        for (UnaryOperator<ModelRelease.Builder> t : tampering) {
            ModelRelease changed = t.apply(ModelRelease.newBuilder(signed)).build();
            assertTrue(refusal(() -> trusted.verify(changed)).contains("does not verify"));
        }
    }

    @Test
    void controlsAreSignedAndCheckedTheSameWay() throws Exception {
        TrustedModelKeys trusted = trusting(OPERATOR);
        ModelSigner signer = new ModelSigner(OPERATOR);
        ModelControl rollback = signer.sign(control("rollback", "", "operator"));
        assertDoesNotThrow(() -> trusted.verify(AvroWire.MODEL_CONTROL.decode(AvroWire.MODEL_CONTROL.encode(rollback))));
        assertTrue(refusal(() -> trusted.verify(control("rollback", "", "operator"))).contains("is unsigned"));
        assertTrue(refusal(() -> trusted.verify(new ModelSigner(OTHER).sign(control("rollout", "", "operator"))))
                .contains("does not trust"));
        ModelControl moreShare = ModelControl.newBuilder(signer.sign(control("rollout", "", "operator"))).setSharePercent(100).build();
        assertTrue(refusal(() -> trusted.verify(moreShare)).contains("does not verify"));
        // A signed control's bytes do not verify as a release's (the signed bytes name the record type).
        ModelRelease asRelease = ModelRelease.newBuilder(release()).setKeyId(rollback.getKeyId()).setSignature(rollback.getSignature()).build();
        assertTrue(refusal(() -> trusted.verify(asRelease)).contains("does not verify"));
    }

    @Test
    void withoutTrustedKeysNothingIsChecked() throws Exception {
        TrustedModelKeys none = TrustedModelKeys.none();
        assertFalse(none.enforced());
        assertDoesNotThrow(() -> none.verify(release()));
        assertDoesNotThrow(() -> none.verify(new ModelSigner(OTHER).sign(release())));
        assertDoesNotThrow(() -> none.verify(control("rollback", "", "operator")));
        // The job's own key alone does not turn checking on.
        assertFalse(none.withJudgeKey(JOB.getPublic().getEncoded()).enforced());
    }

    @Test
    void theJobsOwnKeySignsOnlyTheJudgesRollbacksOfANamedChallenger() throws Exception {
        TrustedModelKeys trusted = trusting(OPERATOR).withJudgeKey(JOB.getPublic().getEncoded());
        ModelSigner job = new ModelSigner(JOB);
        assertDoesNotThrow(() -> trusted.verify(job.sign(control("rollback", "1.2.0", TrustedModelKeys.JUDGE))));
        assertTrue(refusal(() -> trusted.verify(job.sign(control("rollback", "", TrustedModelKeys.JUDGE)))).contains("the job's own key"));
        assertTrue(refusal(() -> trusted.verify(job.sign(control("rollback", "1.2.0", "operator")))).contains("the job's own key"));
        assertTrue(refusal(() -> trusted.verify(job.sign(control("rollout", "1.2.0", TrustedModelKeys.JUDGE)))).contains("the job's own key"));
        assertTrue(refusal(() -> trusted.verify(job.sign(release()))).contains("the job's own key"));
        // A key trusted in full keeps full trust even when it is also the job's.
        TrustedModelKeys both = trusting(OPERATOR, JOB).withJudgeKey(JOB.getPublic().getEncoded());
        assertDoesNotThrow(() -> both.verify(job.sign(release())));
    }

    @Test
    void severalTrustedKeysAtOnceLetAKeyBeRotated() throws Exception {
        TrustedModelKeys both = trusting(OPERATOR, OTHER);
        assertDoesNotThrow(() -> both.verify(new ModelSigner(OPERATOR).sign(release())));
        assertDoesNotThrow(() -> both.verify(new ModelSigner(OTHER).sign(release())));
        TrustedModelKeys newOnly = trusting(OTHER);
        assertTrue(refusal(() -> newOnly.verify(new ModelSigner(OPERATOR).sign(release()))).contains("does not trust"));
    }

    @Test
    void keyFilesRoundTripAndRefuseWhatTheyMustNotHold() throws Exception {
        Path key = Files.writeString(dir.resolve("op.key"), ModelKeys.privateKeyPem(OPERATOR));
        Path trustedDir = Files.createDirectories(dir.resolve("trusted"));
        Files.writeString(trustedDir.resolve("op.pub"), ModelKeys.publicKeyPem(OPERATOR.getPublic()));
        Files.writeString(trustedDir.resolve("other.pem"), ModelKeys.publicKeyPem(OTHER.getPublic()));
        Files.writeString(trustedDir.resolve("notes.txt"), "not a key");

        ModelSigner signer = ModelSigner.read(key);
        assertEquals(ModelKeys.keyId(OPERATOR.getPublic()), signer.keyId());
        assertEquals(16, signer.keyId().length());
        TrustedModelKeys trusted = TrustedModelKeys.read(trustedDir);
        assertTrue(trusted.describe().contains(signer.keyId()) && trusted.describe().contains(ModelKeys.keyId(OTHER.getPublic())));
        assertDoesNotThrow(() -> trusted.verify(signer.sign(release())));
        assertDoesNotThrow(() -> TrustedModelKeys.read(trustedDir.resolve("op.pub")).verify(signer.sign(release())));

        String privateOnly = ModelKeys.privateKeyPem(OPERATOR).split("-----BEGIN PUBLIC KEY-----")[0];
        IOException missingHalf = assertThrows(IOException.class, () -> ModelSigner.read(Files.writeString(dir.resolve("half.key"), privateOnly)));
        assertTrue(missingHalf.getMessage().contains("one PRIVATE KEY and one PUBLIC KEY block"), missingHalf.getMessage());
        Path mixed = Files.writeString(dir.resolve("mixed.key"), privateOnly + ModelKeys.publicKeyPem(OTHER.getPublic()));
        IOException mismatch = assertThrows(IOException.class, () -> ModelSigner.read(mixed));
        assertTrue(mismatch.getMessage().contains("not the public half"), mismatch.getMessage());
        Files.writeString(trustedDir.resolve("oops.pem"), ModelKeys.privateKeyPem(OTHER));
        IOException privateTrusted = assertThrows(IOException.class, () -> TrustedModelKeys.read(trustedDir));
        assertTrue(privateTrusted.getMessage().contains("PRIVATE KEY"), privateTrusted.getMessage());
        assertThrows(IOException.class, () -> TrustedModelKeys.read(Files.createDirectories(dir.resolve("empty"))));
    }

    @Test
    void signerAndTrustTravelWithTheJobGraph() throws Exception {
        TrustedModelKeys trusted = trusting(OPERATOR).withJudgeKey(JOB.getPublic().getEncoded());
        TrustedModelKeys copy = roundTrip(trusted);
        ModelSigner job = roundTrip(new ModelSigner(JOB));
        assertDoesNotThrow(() -> copy.verify(job.sign(control("rollback", "1.2.0", TrustedModelKeys.JUDGE))));
        assertTrue(copy.enforced());
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T value) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
