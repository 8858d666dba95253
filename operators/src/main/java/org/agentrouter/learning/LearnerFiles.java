package org.agentrouter.learning;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The learner's settings as a JSON file: the shared prior's weights, the stage thresholds per alpha, the public
 * conditionals and the probe schedule, plus free-text metadata saying how they were fitted. The job reads the bundled
 * {@link #BUNDLED} unless told another file; {@code ./router fit-learner} writes one.
 */
public final class LearnerFiles {
    private LearnerFiles() {}

    /** Classpath resource of the settings the job uses by default. */
    public static final String BUNDLED = "learner/default.json";
    public static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Settings and how they were made. */
    public record File(LearnerSettings settings, Map<String, String> metadata) {}

    public static File bundled() {
        try (InputStream in = LearnerFiles.class.getClassLoader().getResourceAsStream(BUNDLED)) {
            if (in == null) throw new IllegalStateException("no bundled learner settings at " + BUNDLED);
            return read(JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static File read(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            return read(JSON.readTree(in));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IOException(path + " is not a learner settings file: " + e.getMessage(), e);
        }
    }

    static File read(JsonNode root) {
        int format = root.path("format").asInt(-1);
        if (format != FORMAT) throw new IllegalArgumentException("learner settings format " + format + ", expected " + FORMAT);
        JsonNode prior = root.get("prior");
        SharedPrior p = new SharedPrior(prior.get("bias").asDouble(), doubles(prior.get("weights")));
        JsonNode rows = root.get("cheap_below");
        double[][] cheapBelow = new double[rows.size()][];
        for (int a = 0; a < rows.size(); a++) cheapBelow[a] = doubles(rows.get(a));
        LearnerSettings s = new LearnerSettings(p, root.get("prior_weight").asDouble(),
                root.get("weak_wrong_given_strong_right").asDouble(), root.get("strong_right_given_weak_wrong").asDouble(),
                ints(root.get("stage_starts")), doubles(root.get("alphas")), cheapBelow,
                root.get("cheap_share").asDouble(), root.get("probe_share").asDouble(), root.get("probe_until").asInt(), root.get("seed").asLong());
        Map<String, String> meta = new TreeMap<>();
        JsonNode m = root.path("metadata");
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            meta.put(e.getKey(), e.getValue().asText());
        }
        return new File(s, meta);
    }

    public static void write(LearnerSettings s, Map<String, String> metadata, Path path) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        ObjectNode prior = root.putObject("prior");
        prior.put("features", "MiniLM embedding (" + SharedPrior.EMBEDDING + "), log length, code, math, "
                + String.join(", ", QueryShape.NAMES));
        prior.put("bias", s.prior().bias());
        put(prior.putArray("weights"), s.prior().weights());
        root.put("prior_weight", s.priorWeight());
        root.put("weak_wrong_given_strong_right", s.weakWrongGivenStrongRight());
        root.put("strong_right_given_weak_wrong", s.strongRightGivenWeakWrong());
        ArrayNode stages = root.putArray("stage_starts");
        for (int v : s.stageStarts()) stages.add(v);
        put(root.putArray("alphas"), s.alphas());
        ArrayNode rows = root.putArray("cheap_below");
        for (double[] row : s.cheapBelow()) put(rows.addArray(), row);
        root.put("cheap_share", s.cheapShare());
        root.put("probe_share", s.probeShare());
        root.put("probe_until", s.probeUntil());
        root.put("seed", s.seed());
        ObjectNode meta = root.putObject("metadata");
        new TreeMap<>(metadata).forEach(meta::put);
        Files.createDirectories(path.toAbsolutePath().getParent());
        JSON.writeValue(path.toFile(), root);
    }

    private static void put(ArrayNode a, double[] values) {
        for (double v : values) a.add(v);
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asDouble();
        return out;
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }
}
