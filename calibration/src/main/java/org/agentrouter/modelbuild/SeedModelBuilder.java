package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.C_CHEAP_OUTCOME;
import static org.agentrouter.features.FeatureLayout.C_CONFIDENCE;
import static org.agentrouter.features.FeatureLayout.C_FREQUENCY;
import static org.agentrouter.features.FeatureLayout.C_OUTCOME_KNOWN;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.C_RECENCY;
import static org.agentrouter.features.FeatureLayout.C_SIMILARITY;
import static org.agentrouter.features.FeatureLayout.C_STRONG_OUTCOME;
import static org.agentrouter.features.FeatureLayout.C_TAG_OVERLAP;
import static org.agentrouter.features.FeatureLayout.INPUT_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.OUTPUT_P_STRONG;
import static org.agentrouter.features.FeatureLayout.OUTPUT_RELEVANCE;
import static org.tribuo.util.onnx.ONNXOperators.GEMM;
import static org.tribuo.util.onnx.ONNXOperators.MUL;
import static org.tribuo.util.onnx.ONNXOperators.SIGMOID;
import static org.tribuo.util.onnx.ONNXOperators.SOFTMAX;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelContractException;
import org.agentrouter.scoring.ModelReleases;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * Builds the router's first model, before any training: the seed's hand-set weighting, as an ONNX graph
 * the serving path runs like any trained model.
 *
 * <p>Why these numbers. A memory is relevant mostly because it is about the same problem (similarity
 * 0.40); route outcomes drift as models, prompts and prices change, so recent evidence counts next
 * (recency 0.25); the memory's own confidence tempers both (0.20); how often it was used and how well
 * its tags match the query's context are weak, mostly tie-breaking signals (frequency 0.075 + tag
 * overlap 0.075 = 0.15). The route decision then attends to the evidence: a softmax over relevance with
 * sharpness T = 8 ({@link #ATTENTION_SHARPNESS}) gives a memory 0.1 more relevant e^0.8 = 2.2 times the
 * weight, so the best matches dominate without a hard top-k, and padding rows get a -1e4 logit (zero
 * weight). Each memory with a known outcome votes strong-minus-cheap outcome; the weighted vote, scaled
 * by A = 4 ({@link #GAIN_SCALE}), goes through a sigmoid, so unanimous evidence that the strong route did
 * better (+1) gives p_strong = 0.98, a mild +0.25 gives 0.73, and no evidence gives exactly 0.5: the
 * seed has no opinion of its own, and conformal calibration decides what 0.5 means.
 *
 * <p>Graph, reading only {@code candidates} [128 x 11] (one Gemm and a Split compute every term that is
 * linear in a row):
 * <pre>
 * relevance = clip(candidates x W, 0, 1) * present                          -> relevance [128 x 1]
 * weights   = softmax over rows of (relevance * 8 + (present - 1) * 1e4)
 * gain      = (strong_outcome - cheap_outcome) * outcome_known * present
 * p_strong  = sigmoid(4 * weights' x gain + 0)                               -> p_strong  [1 x 1]
 * </pre>
 * The gain is also masked by {@code present} so that an all-padding batch cannot vote with whatever
 * padding rows hold (with no candidates, the softmax spreads weight evenly over the padding).
 */
public final class SeedModelBuilder {
    /**
     * The seed reads layout 1 (the first eleven columns of every row; the job serves layout-1 models by feeding them
     * those columns), so its bytes, sha256 and calibration did not change when layout 2 appended context columns.
     */
    public static final int LAYOUT = 1;
    private static final int CANDIDATE_WIDTH = org.agentrouter.features.FeatureLayout.V1_CANDIDATE_WIDTH;
    public static final String NAME = "seed-weighting";
    public static final String VERSION = "1.0.0";
    public static final String ROLE = "champion";

    public static final float W_SIMILARITY = 0.40f;
    public static final float W_RECENCY = 0.25f;
    public static final float W_CONFIDENCE = 0.20f;
    public static final float W_FREQUENCY = 0.075f;
    public static final float W_TAG_OVERLAP = 0.075f;

    /** T: multiplies relevance before the softmax over candidates. */
    public static final float ATTENTION_SHARPNESS = 8f;
    /** Subtracted from a padding row's logit; exp(-1e4) is 0 in float32. */
    public static final float PADDING_PENALTY = 1e4f;
    /** A: scale of the attention-weighted gain before the sigmoid. */
    public static final float GAIN_SCALE = 4f;
    /** B: bias before the sigmoid; 0 makes "no evidence" mean p_strong = 0.5. */
    public static final float GAIN_BIAS = 0f;

    // Columns of the per-candidate Gemm [CANDIDATE_WIDTH x TERMS].
    private static final int TERM_LINEAR_RELEVANCE = 0;
    private static final int TERM_PRESENT = 1;
    private static final int TERM_OUTCOME_KNOWN = 2;
    private static final int TERM_OUTCOME_DIFFERENCE = 3;
    /** (present - 1) * PADDING_PENALTY, as present * PADDING_PENALTY plus a bias of -PADDING_PENALTY. */
    private static final int TERM_PADDING_LOGIT = 4;
    private static final int TERMS = 5;

    private SeedModelBuilder() {}

    /** W, the weights of the linear relevance term per candidate column; zero for unused columns. */
    public static float[] relevanceWeights() {
        float[] w = new float[CANDIDATE_WIDTH];
        w[C_SIMILARITY] = W_SIMILARITY;
        w[C_RECENCY] = W_RECENCY;
        w[C_CONFIDENCE] = W_CONFIDENCE;
        w[C_FREQUENCY] = W_FREQUENCY;
        w[C_TAG_OVERLAP] = W_TAG_OVERLAP;
        return w;
    }

    /** Serialized ONNX model; the same bytes (and sha256) on every call. */
    public static byte[] build() {
        return build(MAX_CANDIDATES);
    }

    /**
     * The same graph for a batch of {@code candidateRows} rows. The serving contract fixes
     * {@link FeatureLayout#MAX_CANDIDATES} rows, so any other count gives a well-formed model the scorer
     * must refuse: what roll-out tests publish as a release with the wrong shapes.
     */
    public static byte[] build(int candidateRows) {
        ONNXContext graph = new ONNXContext();
        graph.setName("seed_weighting");
        ONNXPlaceholder candidates = graph.floatInput(INPUT_CANDIDATES, CANDIDATE_WIDTH);
        ONNXPlaceholder relevanceOut = graph.floatOutput(OUTPUT_RELEVANCE, 1);
        ONNXPlaceholder pStrongOut = graph.floatOutput(OUTPUT_P_STRONG, 1);

        // Every per-candidate term that is linear in the row comes out of one Gemm and one Split. At this
        // size a run costs about a microsecond per node whatever the node does (measured: the same
        // formula as 17 nodes ran in 20 us, as these 10 in 12 us), so the graph is kept to few nodes.
        ONNXNode perCandidate = graph.operation(GEMM,
                List.of(candidates,
                        graph.floatTensor("per_candidate_weights", List.of(CANDIDATE_WIDTH, TERMS),
                                b -> b.put(perCandidateWeights())),
                        graph.floatTensor("per_candidate_bias", List.of(1, TERMS), b -> b.put(perCandidateBias()))),
                "per_candidate_terms", Map.of());
        List<ONNXNode> terms = graph.operation(ExtraOnnxOperators.split(TERMS), List.of(perCandidate),
                List.of("linear_relevance", "present", "outcome_known", "outcome_difference", "padding_logit"),
                Map.of("axis", 1));
        ONNXNode present = terms.get(TERM_PRESENT);

        ONNXNode clipped = graph.operation(ExtraOnnxOperators.CLIP,
                List.of(terms.get(TERM_LINEAR_RELEVANCE), graph.constant("zero", 0f), graph.constant("one", 1f)),
                "clipped_relevance", Map.of());
        ONNXNode relevance = clipped.apply(MUL, present, "masked_relevance");
        relevance.assignTo(relevanceOut);

        // relevance * T + padding_logit as one Gemm ([128x1] x [1x1] + C) instead of a Mul and an Add.
        ONNXNode logits = graph.operation(GEMM,
                List.of(relevance,
                        graph.floatTensor("attention_sharpness", List.of(1, 1), b -> b.put(ATTENTION_SHARPNESS)),
                        terms.get(TERM_PADDING_LOGIT)),
                "attention_logits", Map.of());
        ONNXNode weights = logits.apply(SOFTMAX, Map.of("axis", 0)); // over the 128 rows

        ONNXNode gain = terms.get(TERM_OUTCOME_DIFFERENCE)
                .apply(MUL, terms.get(TERM_OUTCOME_KNOWN).apply(MUL, present, "vote_mask"), "gain");

        // weights' x gain in one Gemm: alpha = A, C = B.
        ONNXNode evidence = graph.operation(GEMM,
                List.of(weights, gain, graph.floatTensor("gain_bias", List.of(1, 1), b -> b.put(GAIN_BIAS))),
                "evidence_logit", attributes("transA", 1, "alpha", GAIN_SCALE, "beta", 1f));
        evidence.apply(SIGMOID).assignTo(pStrongOut);

        return FixedShapeModel.serialize(graph,
                Map.of(INPUT_CANDIDATES, new long[] {candidateRows, CANDIDATE_WIDTH},
                        OUTPUT_RELEVANCE, new long[] {candidateRows, 1},
                        OUTPUT_P_STRONG, new long[] {1, 1}),
                "Seed hand-set weighting for the agent query router (untrained).",
                Map.of("name", NAME, "version", VERSION,
                        "feature_layout_version", Integer.toString(LAYOUT)));
    }

    /**
     * Node attributes in a fixed (sorted) order: Tribuo writes them in map order, and Map.of iterates
     * differently in every JVM, which would change the model's bytes and sha256 from build to build.
     */
    private static Map<String, Object> attributes(Object... keyValues) {
        Map<String, Object> sorted = new java.util.TreeMap<>();
        for (int i = 0; i < keyValues.length; i += 2) sorted.put((String) keyValues[i], keyValues[i + 1]);
        return sorted;
    }

    /** Row-major [CANDIDATE_WIDTH x TERMS]. */
    private static float[] perCandidateWeights() {
        float[] w = new float[CANDIDATE_WIDTH * TERMS];
        float[] relevance = relevanceWeights();
        for (int c = 0; c < CANDIDATE_WIDTH; c++) {
            w[c * TERMS + TERM_LINEAR_RELEVANCE] = relevance[c];
        }
        w[C_PRESENT * TERMS + TERM_PRESENT] = 1f;
        w[C_OUTCOME_KNOWN * TERMS + TERM_OUTCOME_KNOWN] = 1f;
        w[C_STRONG_OUTCOME * TERMS + TERM_OUTCOME_DIFFERENCE] = 1f;
        w[C_CHEAP_OUTCOME * TERMS + TERM_OUTCOME_DIFFERENCE] = -1f;
        w[C_PRESENT * TERMS + TERM_PADDING_LOGIT] = PADDING_PENALTY;
        return w;
    }

    /** [1 x TERMS], broadcast over the rows. */
    private static float[] perCandidateBias() {
        float[] bias = new float[TERMS];
        bias[TERM_PADDING_LOGIT] = -PADDING_PENALTY;
        return bias;
    }

    /**
     * The seed as a release. Calibration comes from the caller (split-conformal on held-out outcomes): the
     * seed's scores are not calibrated by construction, and no thresholds are invented here.
     */
    public static ModelRelease release(ConformalCalibration calibration) {
        byte[] model = build();
        Map<String, String> metadata = new TreeMap<>();
        metadata.put("builder", SeedModelBuilder.class.getName());
        metadata.put("trained", "false");
        metadata.put("weights", "similarity=" + W_SIMILARITY + ",recency=" + W_RECENCY + ",confidence="
                + W_CONFIDENCE + ",frequency=" + W_FREQUENCY + ",tag_overlap=" + W_TAG_OVERLAP);
        metadata.put("attention_sharpness", Float.toString(ATTENTION_SHARPNESS));
        metadata.put("gain_scale", Float.toString(GAIN_SCALE));
        metadata.put("gain_bias", Float.toString(GAIN_BIAS));
        return ModelRelease.newBuilder()
                .setName(NAME)
                .setVersion(VERSION)
                .setFeatureLayoutVersion(LAYOUT)
                .setSha256(ModelReleases.sha256Hex(model))
                .setOnnxModel(ByteBuffer.wrap(model))
                .setCalibration(calibration)
                .setRole(ROLE)
                .setMetadata(metadata)
                // Not yet published: whoever puts it on the control topic stamps the time.
                .setPublishedAtMs(0L)
                .build();
    }

    /** Writes {@code <dir>/model.onnx} and {@code <dir>/release.json}; returns the release written. */
    public static ModelRelease writeRelease(Path dir, ConformalCalibration calibration)
            throws IOException, ModelContractException {
        ModelRelease release = release(calibration);
        ModelReleases.write(dir, release);
        return release;
    }
}
