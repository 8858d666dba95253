package org.agentrouter.training;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.modelbuild.RelevanceGraph;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelContractException;
import org.agentrouter.scoring.ModelReleases;

/**
 * A trained relevance head joined to the p_strong of a base release ({@link RelevanceGraph#combine}), as a release
 * directory: model.onnx, release.json and relevance-weights.safetensors. The base's p_strong, and so its conformal
 * calibration, are unchanged: the release keeps the base's calibration, name and role, and takes the current
 * feature layout (its relevance head reads the context columns).
 */
public final class RelevanceRelease {
    public static final String WEIGHTS_FILE = "relevance-weights.safetensors";

    private RelevanceRelease() {}

    public static RelevanceGraph.Head head(RelevanceNetwork network, Weights w) {
        return network.hidden() > 0
                ? new RelevanceGraph.Head(network.hidden(), w.get("w1"), w.get("b1"), w.get("w2"), w.scalar("b2"))
                : new RelevanceGraph.Head(0, null, null, w.get("w2"), w.scalar("b2"));
    }

    public static ModelRelease build(ModelRelease base, RelevanceNetwork network, Weights weights, String version,
                                     Map<String, String> extraMetadata) {
        Map<String, String> metadata = new TreeMap<>(base.getMetadata());
        metadata.keySet().removeIf(k -> k.startsWith("relevance."));
        network.describe().forEach((k, v) -> metadata.put("relevance.model." + k, v));
        metadata.putAll(extraMetadata);
        metadata.put("relevance.base_release", base.getName() + " " + base.getVersion() + " (sha256 " + base.getSha256() + ")");
        metadata.put("relevance.trained", "true");
        byte[] model = RelevanceGraph.combine(ModelReleases.modelBytes(base), head(network, weights),
                Map.of("name", base.getName(), "version", version,
                        "feature_layout_version", Integer.toString(FeatureLayout.VERSION)));
        return ModelRelease.newBuilder(base)
                .setVersion(version)
                .setFeatureLayoutVersion(FeatureLayout.VERSION)
                .setSha256(ModelReleases.sha256Hex(model))
                .setOnnxModel(ByteBuffer.wrap(model))
                .setMetadata(new TreeMap<>(metadata))
                .setPublishedAtMs(0L)
                .build();
    }

    /** The head's weights as {@link #write} stored them. */
    public static Weights readWeights(byte[] safetensors) {
        try (NDManager manager = TorchEngine.newManager()) {
            return Weights.fromSafetensors(manager, safetensors);
        }
    }

    public static void write(Path dir, ModelRelease release, Weights weights) throws IOException, ModelContractException {
        ModelReleases.write(dir, release);
        try (NDManager manager = TorchEngine.newManager()) {
            Files.write(dir.resolve(WEIGHTS_FILE), weights.toSafetensors(manager));
        }
    }
}
