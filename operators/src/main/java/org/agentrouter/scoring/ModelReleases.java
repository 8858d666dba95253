package org.agentrouter.scoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelRelease;

/**
 * A {@link ModelRelease} on disk or on the classpath: a directory holding {@value #MODEL_FILE} (the ONNX
 * bytes, so that tools such as Netron open it as is) and {@value #DESCRIPTOR_FILE} (everything else,
 * readable and diffable in review).
 *
 * <p>Reading does not verify: call {@link #verify} before serving, so that a tool can still inspect a
 * tampered release and say what is wrong with it.
 */
public final class ModelReleases {
    public static final String MODEL_FILE = "model.onnx";
    public static final String DESCRIPTOR_FILE = "release.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelReleases() {}

    /** Reads {@code <dir>/model.onnx} and {@code <dir>/release.json}. */
    public static ModelRelease read(Path dir) throws IOException {
        byte[] model = Files.readAllBytes(dir.resolve(MODEL_FILE));
        JsonNode descriptor = JSON.readTree(dir.resolve(DESCRIPTOR_FILE).toFile());
        return Descriptor.toRelease(descriptor, model, dir.toString());
    }

    /**
     * Reads a release shipped as resources next to this class, e.g. {@code fromClasspath("models/seed")}
     * for {@code models/seed/model.onnx} and {@code models/seed/release.json} in a jar. Under Flink this
     * class's loader is the job's user-code class loader, which sees the job jar's resources.
     */
    public static ModelRelease fromClasspath(String resourceDir) throws IOException {
        return fromClasspath(ModelReleases.class.getClassLoader(), resourceDir);
    }

    /** As {@link #fromClasspath(String)}, from the given class loader. */
    public static ModelRelease fromClasspath(ClassLoader loader, String resourceDir) throws IOException {
        String base = resourceDir.replaceAll("^/+|/+$", "");
        byte[] model = resource(loader, base + "/" + MODEL_FILE);
        JsonNode descriptor = JSON.readTree(resource(loader, base + "/" + DESCRIPTOR_FILE));
        return Descriptor.toRelease(descriptor, model, "classpath:" + base);
    }

    private static byte[] resource(ClassLoader loader, String path) throws IOException {
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new FileNotFoundException("classpath resource not found: " + path);
            }
            return in.readAllBytes();
        }
    }

    /**
     * Writes the release into {@code dir} (created if needed), the descriptor last so that a reader who
     * finds it also finds the model it describes. Refuses a release that does not {@link #verify}.
     */
    public static void write(Path dir, ModelRelease release) throws IOException, ModelContractException {
        verify(release);
        Files.createDirectories(dir);
        Files.write(dir.resolve(MODEL_FILE), modelBytes(release));
        JSON.writeValue(dir.resolve(DESCRIPTOR_FILE).toFile(), Descriptor.toJson(release));
    }

    /** A copy of the release's ONNX bytes; leaves the release's buffer position untouched. */
    public static byte[] modelBytes(ModelRelease release) {
        ByteBuffer model = release.getOnnxModel().duplicate();
        byte[] bytes = new byte[model.remaining()];
        model.get(bytes);
        return bytes;
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM must provide SHA-256", e);
        }
    }

    /**
     * Refuses a release this code cannot serve: its sha256 does not match its bytes, it was built for
     * another feature layout, or its calibration arrays do not line up per alpha.
     */
    public static void verify(ModelRelease release) throws ModelContractException {
        String actual = sha256Hex(modelBytes(release));
        if (!actual.equalsIgnoreCase(release.getSha256())) {
            throw new ModelContractException("release " + id(release) + ": sha256 of the model bytes is " + actual
                    + " but the release declares " + release.getSha256());
        }
        if (FeatureLayout.candidateWidth(release.getFeatureLayoutVersion()) < 0) {
            throw new ModelContractException("release " + id(release) + " was built for feature layout v"
                    + release.getFeatureLayoutVersion() + ", this operator computes v" + FeatureLayout.VERSION
                    + " and serves v" + FeatureLayout.OLDEST_SERVED_VERSION + "-v" + FeatureLayout.VERSION);
        }
        ConformalCalibration calibration = release.getCalibration();
        int alphas = calibration.getAlphas().size();
        if (calibration.getStrongThresholds().size() != alphas || calibration.getCheapThresholds().size() != alphas) {
            throw new ModelContractException("release " + id(release) + ": calibration has " + alphas + " alphas but "
                    + calibration.getStrongThresholds().size() + " strong and "
                    + calibration.getCheapThresholds().size() + " cheap thresholds");
        }
    }

    private static String id(ModelRelease release) {
        return release.getName() + " " + release.getVersion();
    }

    /** The JSON form of everything but the model bytes; field names follow the Avro schema. */
    private static final class Descriptor {
        private Descriptor() {}

        static ObjectNode toJson(ModelRelease release) {
            ObjectNode root = JSON.createObjectNode();
            root.put("name", release.getName());
            root.put("version", release.getVersion());
            root.put("feature_layout_version", release.getFeatureLayoutVersion());
            root.put("sha256", release.getSha256());
            root.put("role", release.getRole());
            root.put("published_at_ms", release.getPublishedAtMs());

            ConformalCalibration calibration = release.getCalibration();
            ObjectNode cal = root.putObject("calibration");
            cal.put("method", calibration.getMethod());
            putDoubles(cal.putArray("alphas"), calibration.getAlphas());
            putDoubles(cal.putArray("strong_thresholds"), calibration.getStrongThresholds());
            putDoubles(cal.putArray("cheap_thresholds"), calibration.getCheapThresholds());
            cal.put("calibration_size", calibration.getCalibrationSize());
            cal.put("data_hash", calibration.getDataHash());
            cal.put("group_count", calibration.getGroupCount());

            ObjectNode metadata = root.putObject("metadata");
            new TreeMap<>(release.getMetadata()).forEach(metadata::put); // sorted: stable diffs
            return root;
        }

        private static void putDoubles(ArrayNode array, List<Double> values) {
            values.forEach(array::add);
        }

        static ModelRelease toRelease(JsonNode root, byte[] model, String source) throws IOException {
            JsonNode cal = required(root, "calibration", source);
            ConformalCalibration calibration = ConformalCalibration.newBuilder()
                    .setMethod(text(cal, "method", source))
                    .setAlphas(doubles(cal, "alphas", source))
                    .setStrongThresholds(doubles(cal, "strong_thresholds", source))
                    .setCheapThresholds(doubles(cal, "cheap_thresholds", source))
                    .setCalibrationSize(integer(cal, "calibration_size", source))
                    .setDataHash(cal.path("data_hash").asText(""))
                    .setGroupCount(cal.path("group_count").asInt(0))
                    .build();
            Map<String, String> metadata = new LinkedHashMap<>();
            root.path("metadata").properties().forEach(e -> metadata.put(e.getKey(), e.getValue().asText()));
            return ModelRelease.newBuilder()
                    .setName(text(root, "name", source))
                    .setVersion(text(root, "version", source))
                    .setFeatureLayoutVersion(integer(root, "feature_layout_version", source))
                    .setSha256(text(root, "sha256", source))
                    .setOnnxModel(ByteBuffer.wrap(model))
                    .setCalibration(calibration)
                    .setRole(root.path("role").asText("champion"))
                    .setMetadata(metadata)
                    // 0 = not yet published: the publisher stamps the time it puts the release on the topic.
                    .setPublishedAtMs(root.path("published_at_ms").asLong(0))
                    .build();
        }

        private static JsonNode required(JsonNode node, String field, String source) throws IOException {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                throw new IOException(DESCRIPTOR_FILE + " in " + source + ": missing field '" + field + "'");
            }
            return value;
        }

        private static String text(JsonNode node, String field, String source) throws IOException {
            JsonNode value = required(node, field, source);
            if (!value.isTextual()) {
                throw new IOException(DESCRIPTOR_FILE + " in " + source + ": '" + field + "' must be a string");
            }
            return value.asText();
        }

        private static int integer(JsonNode node, String field, String source) throws IOException {
            JsonNode value = required(node, field, source);
            if (!value.canConvertToInt() || !value.isIntegralNumber()) {
                throw new IOException(DESCRIPTOR_FILE + " in " + source + ": '" + field + "' must be an int");
            }
            return value.intValue();
        }

        private static List<Double> doubles(JsonNode node, String field, String source) throws IOException {
            JsonNode value = required(node, field, source);
            if (!value.isArray()) {
                throw new IOException(DESCRIPTOR_FILE + " in " + source + ": '" + field + "' must be an array");
            }
            List<Double> result = new ArrayList<>(value.size());
            for (JsonNode item : value) {
                if (!item.isNumber()) {
                    throw new IOException(DESCRIPTOR_FILE + " in " + source + ": '" + field + "' holds " + item
                            + ", numbers only");
                }
                result.add(item.doubleValue());
            }
            return result;
        }
    }
}
