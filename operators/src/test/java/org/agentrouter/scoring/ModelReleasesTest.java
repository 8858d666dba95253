package org.agentrouter.scoring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelRelease;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelReleasesTest {
    // Release files do not care whether the bytes are a valid graph; OnnxScorer does.
    private static final byte[] MODEL = "pretend-onnx-bytes".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path temp;

    static ModelRelease release(byte[] model) {
        return ModelRelease.newBuilder()
                .setName("unit")
                .setVersion("1.2.3")
                .setFeatureLayoutVersion(FeatureLayout.VERSION)
                .setSha256(ModelReleases.sha256Hex(model))
                .setOnnxModel(ByteBuffer.wrap(model))
                .setCalibration(ConformalCalibration.newBuilder()
                        .setMethod("split")
                        .setAlphas(List.of(0.05, 0.1, 0.2))
                        .setStrongThresholds(List.of(0.9, 0.8123456789012345, 0.7))
                        .setCheapThresholds(List.of(0.6, 0.5, 0.4))
                        .setCalibrationSize(500)
                        .setDataHash("abc")
                        .build())
                .setRole("challenger")
                .setMetadata(Map.of("trainer", "unit-test", "notes", "quotes \" and unicode é"))
                .setPublishedAtMs(1_700_000_000_123L)
                .build();
    }

    @Test
    void sha256HexIsTheStandardDigest() {
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                ModelReleases.sha256Hex(new byte[0]));
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                ModelReleases.sha256Hex("abc".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void roundTripsThroughADirectory() throws Exception {
        ModelRelease original = release(MODEL);

        ModelReleases.write(temp.resolve("r1"), original);
        ModelRelease read = ModelReleases.read(temp.resolve("r1"));

        assertEquals(original, read);
        assertArrayEquals(MODEL, Files.readAllBytes(temp.resolve("r1").resolve(ModelReleases.MODEL_FILE)));
        ModelReleases.verify(read);
    }

    @Test
    void descriptorUsesTheSchemaFieldNames() throws Exception {
        ModelReleases.write(temp, release(MODEL));

        String json = Files.readString(temp.resolve(ModelReleases.DESCRIPTOR_FILE));

        for (String field : List.of("\"name\"", "\"version\"", "\"feature_layout_version\"", "\"sha256\"", "\"role\"",
                "\"calibration\"", "\"method\"", "\"alphas\"", "\"strong_thresholds\"", "\"cheap_thresholds\"",
                "\"calibration_size\"", "\"data_hash\"", "\"metadata\"")) {
            assertTrue(json.contains(field), field + " in " + json);
        }
    }

    @Test
    void tamperedModelBytesFailVerification() throws Exception {
        Path dir = temp.resolve("r2");
        ModelReleases.write(dir, release(MODEL));
        byte[] tampered = MODEL.clone();
        tampered[0] ^= 1;
        Files.write(dir.resolve(ModelReleases.MODEL_FILE), tampered);

        ModelRelease read = ModelReleases.read(dir);
        ModelContractException e = assertThrows(ModelContractException.class, () -> ModelReleases.verify(read));

        assertTrue(e.getMessage().contains("sha256"), e.getMessage());
        assertTrue(e.getMessage().contains(ModelReleases.sha256Hex(tampered)), e.getMessage());
    }

    @Test
    void writeRefusesAnInconsistentRelease() {
        ModelRelease wrongHash = release(MODEL);
        wrongHash.setSha256(ModelReleases.sha256Hex(new byte[] {1}));

        assertThrows(ModelContractException.class, () -> ModelReleases.write(temp.resolve("r3"), wrongHash));
        assertTrue(Files.notExists(temp.resolve("r3")));
    }

    @Test
    void verifyRefusesAnotherFeatureLayout() {
        ModelRelease other = release(MODEL);
        other.setFeatureLayoutVersion(FeatureLayout.VERSION + 1);

        ModelContractException e = assertThrows(ModelContractException.class, () -> ModelReleases.verify(other));
        assertTrue(e.getMessage().contains("feature layout v" + (FeatureLayout.VERSION + 1)), e.getMessage());
    }

    @Test
    void verifyRefusesMisalignedCalibration() {
        ModelRelease misaligned = release(MODEL);
        misaligned.getCalibration().setCheapThresholds(List.of(0.5));

        assertThrows(ModelContractException.class, () -> ModelReleases.verify(misaligned));
    }

    @Test
    void readsAReleaseFromTheClasspath() throws Exception {
        ModelRelease original = release(MODEL);
        ModelReleases.write(temp.resolve("models/unit"), original);

        try (URLClassLoader loader = new URLClassLoader(new URL[] {temp.toUri().toURL()}, null)) {
            assertEquals(original, ModelReleases.fromClasspath(loader, "/models/unit/"));
            assertThrows(FileNotFoundException.class, () -> ModelReleases.fromClasspath(loader, "models/none"));
        }
    }

    @Test
    void missingDescriptorFieldIsNamed() throws Exception {
        ModelReleases.write(temp, release(MODEL));
        Path descriptor = temp.resolve(ModelReleases.DESCRIPTOR_FILE);
        Files.writeString(descriptor, Files.readString(descriptor).replace("\"sha256\"", "\"sha\""));

        IOException e = assertThrows(IOException.class, () -> ModelReleases.read(temp));
        assertTrue(e.getMessage().contains("missing field 'sha256'"), e.getMessage());
    }

    @Test
    void optionalFieldsTakeTheSchemaDefaults() throws Exception {
        Files.write(temp.resolve(ModelReleases.MODEL_FILE), MODEL);
        Files.writeString(temp.resolve(ModelReleases.DESCRIPTOR_FILE), """
                {"name": "minimal", "version": "0.0.1", "feature_layout_version": 1,
                 "sha256": "%s",
                 "calibration": {"method": "split", "alphas": [0.1], "strong_thresholds": [0.9],
                                 "cheap_thresholds": [0.4], "calibration_size": 10}}
                """.formatted(ModelReleases.sha256Hex(MODEL)));

        ModelRelease read = ModelReleases.read(temp);

        assertEquals("champion", read.getRole());
        assertEquals("", read.getCalibration().getDataHash());
        assertTrue(read.getMetadata().isEmpty());
        assertEquals(0L, read.getPublishedAtMs());
        ModelReleases.verify(read);
    }
}
