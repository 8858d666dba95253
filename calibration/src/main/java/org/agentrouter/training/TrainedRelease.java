package org.agentrouter.training;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelContractException;
import org.agentrouter.scoring.ModelReleases;

/**
 * A trained model as a release directory: model.onnx + release.json (what publish-model and eval
 * --model read) and weights.safetensors (the trained parameters, low-rank factors included). Uncalibrated,
 * as the seed is before ./router calibrate: the job refuses it until conformal thresholds are stored.
 */
public final class TrainedRelease {
    public static final String VERSION = "1.1.0";
    public static final String WEIGHTS_FILE = "weights.safetensors";

    private TrainedRelease() {}

    public static ModelRelease write(Path dir, RouterNetwork network, Weights weights, boolean int8,
                                     Map<String, String> extraMetadata) throws IOException, ModelContractException {
        Map<String, String> metadata = new TreeMap<>(extraMetadata);
        network.describe().forEach((k, v) -> metadata.put("model." + k, v));
        metadata.put("trained", "true");
        metadata.put("weights_int8", Boolean.toString(int8));
        metadata.put("feature_layout_version", Integer.toString(FeatureLayout.VERSION));
        byte[] model = network.onnx(weights, int8, Map.of("name", network.name(), "version", VERSION,
                "feature_layout_version", Integer.toString(FeatureLayout.VERSION)));
        ConformalCalibration none = ConformalCalibration.newBuilder().setMethod("none").setAlphas(List.of())
                .setStrongThresholds(List.of()).setCheapThresholds(List.of()).setCalibrationSize(0).setDataHash("").build();
        ModelRelease release = ModelRelease.newBuilder()
                .setName(network.name())
                .setVersion(VERSION)
                .setFeatureLayoutVersion(FeatureLayout.VERSION)
                .setSha256(ModelReleases.sha256Hex(model))
                .setOnnxModel(ByteBuffer.wrap(model))
                .setCalibration(none)
                .setRole("challenger")
                .setMetadata(new TreeMap<>(metadata))
                .setPublishedAtMs(0L)
                .build();
        ModelReleases.write(dir, release);
        try (NDManager manager = TorchEngine.newManager()) {
            Files.write(dir.resolve(WEIGHTS_FILE), weights.toSafetensors(manager));
        }
        return release;
    }

    /** sha256 over the prompts and both outcomes of the rows trained on, in order. */
    public static String dataHash(OutcomeTable table, int[] rows) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (int r : rows) {
                sha.update((table.prompt(r) + "\u0000" + table.weak(r) + "\u0000" + table.strong(r) + "\u0000")
                        .getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
