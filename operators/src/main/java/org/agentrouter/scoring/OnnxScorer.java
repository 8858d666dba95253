package org.agentrouter.scoring;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.INPUT_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.INPUT_QUERY;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.OUTPUT_P_STRONG;
import static org.agentrouter.features.FeatureLayout.OUTPUT_RELEVANCE;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.agentrouter.features.FeatureLayout;

/**
 * Runs one router model on one query at a time. One instance per task slot: it is not thread-safe,
 * because it owns the native input and output tensors that every call refills.
 *
 * <p>The hot path allocates no tensors: inputs and outputs are created once over direct buffers, each
 * {@link #score} copies the caller's arrays into the input buffers, runs the session with pinned
 * outputs (ONNX Runtime writes straight into our output buffers), and copies the results back out.
 * A fresh tensor per call would cost about 10 us at this batch size (see STACK-NOTES).
 *
 * <p>The constructor refuses any model whose tensors do not match {@link FeatureLayout}; {@link
 * #dryRun} additionally refuses one whose outputs leave [0, 1] on a fixed probe batch.
 */
public final class OnnxScorer implements AutoCloseable {
    static final long[] CANDIDATES_SHAPE = {MAX_CANDIDATES, CANDIDATE_WIDTH};
    /** A layout-1 model's candidates: the first V1_CANDIDATE_WIDTH columns of every row. */
    static final long[] V1_CANDIDATES_SHAPE = {MAX_CANDIDATES, FeatureLayout.V1_CANDIDATE_WIDTH};
    static final long[] QUERY_SHAPE = {1, QUERY_WIDTH};
    static final long[] RELEVANCE_SHAPE = {MAX_CANDIDATES, 1};
    static final long[] P_STRONG_SHAPE = {1, 1};

    /** Fill levels the dry run probes: empty, single, partial and full candidate sets. */
    private static final int[] PROBE_FILLS = {0, 1, 37, MAX_CANDIDATES};
    private static final long PROBE_SEED = 0x5eed_1234L;

    private final OrtSession session;
    private final List<OnnxTensor> tensors = new ArrayList<>(4);
    private final Map<String, OnnxTensor> inputs = new HashMap<>(4);
    private final Map<String, OnnxTensor> pinnedOutputs = new HashMap<>(4);
    /** Null when the model does not declare that input. */
    private final FloatBuffer candidatesData;
    /** Candidate columns the model reads: CANDIDATE_WIDTH, or V1_CANDIDATE_WIDTH for a layout-1 model; 0 when none. */
    private final int candidateWidth;
    private final FloatBuffer queryData;
    private final FloatBuffer relevanceData;
    private final FloatBuffer pStrongData;
    private boolean closed;

    /**
     * Loads and validates a model. The environment is shared and stays owned by the caller.
     *
     * @throws ModelContractException if ONNX Runtime cannot load the bytes or the model's tensors do not
     *     match {@link FeatureLayout}
     */
    public OnnxScorer(OrtEnvironment env, byte[] onnxModel) throws ModelContractException {
        session = openSession(env, onnxModel);
        try {
            ModelSignature.check(session);
            boolean readsCandidates = session.getInputNames().contains(INPUT_CANDIDATES);
            boolean readsQuery = session.getInputNames().contains(INPUT_QUERY);
            candidateWidth = readsCandidates ? ModelSignature.candidateWidth(session) : 0;
            candidatesData = readsCandidates ? bind(env, INPUT_CANDIDATES, new long[] {MAX_CANDIDATES, candidateWidth}, inputs) : null;
            queryData = readsQuery ? bind(env, INPUT_QUERY, QUERY_SHAPE, inputs) : null;
            relevanceData = bind(env, OUTPUT_RELEVANCE, RELEVANCE_SHAPE, pinnedOutputs);
            pStrongData = bind(env, OUTPUT_P_STRONG, P_STRONG_SHAPE, pinnedOutputs);
        } catch (OrtException e) {
            close();
            throw new ModelContractException("ONNX Runtime could not describe or bind the model's tensors: "
                    + e.getMessage(), e);
        } catch (ModelContractException | RuntimeException e) {
            close();
            throw e;
        }
    }

    private static OrtSession openSession(OrtEnvironment env, byte[] onnxModel) throws ModelContractException {
        if (onnxModel == null || onnxModel.length == 0) {
            throw new ModelContractException("model bytes are empty");
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // One task slot = one core: ORT's own thread pools would only fight Flink's threads.
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            // No thread may spin waiting for work: a spinning thread would burn the slot's core between queries.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            return env.createSession(onnxModel, options);
        } catch (OrtException e) {
            throw new ModelContractException("ONNX Runtime could not load the model (" + onnxModel.length
                    + " bytes): " + e.getMessage(), e);
        }
    }

    /**
     * Creates one float tensor over a direct buffer, registers it under {@code name} and returns the
     * buffer the tensor actually reads and writes (ORT copies a buffer it cannot share, so ask it).
     */
    private FloatBuffer bind(OrtEnvironment env, String name, long[] shape, Map<String, OnnxTensor> into)
            throws OrtException {
        int size = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        FloatBuffer direct = ByteBuffer.allocateDirect(size * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        OnnxTensor tensor = OnnxTensor.createTensor(env, direct, shape);
        tensors.add(tensor);
        into.put(name, tensor);
        return (FloatBuffer) tensor.getBufferRef()
                .orElseThrow(() -> new IllegalStateException("tensor '" + name + "' is not buffer-backed"));
    }

    public boolean readsCandidates() {
        return candidatesData != null;
    }

    public boolean readsQuery() {
        return queryData != null;
    }

    /** Candidate columns the model reads ({@link FeatureLayout#candidateWidth} of its layout), 0 when it reads none. */
    public int candidateWidth() {
        return candidateWidth;
    }

    /**
     * Scores one query.
     *
     * @param candidates row-major [MAX_CANDIDATES x CANDIDATE_WIDTH]; ignored (may be null) when the model
     *     does not read candidates
     * @param query [QUERY_WIDTH]; ignored (may be null) when the model does not read the query
     * @param relevanceOut receives MAX_CANDIDATES relevance values
     * @return p_strong, the probability that the cheap route will not do
     * @throws IllegalStateException if ONNX Runtime fails (not expected for a model that passed
     *     {@link #dryRun})
     */
    public float score(float[] candidates, float[] query, float[] relevanceOut) {
        if (closed) {
            throw new IllegalStateException("scorer is closed");
        }
        requireLength("relevanceOut", relevanceOut, MAX_CANDIDATES);
        if (candidatesData != null) {
            requireLength(INPUT_CANDIDATES, candidates, MAX_CANDIDATES * CANDIDATE_WIDTH);
            if (candidateWidth == CANDIDATE_WIDTH) {
                candidatesData.put(0, candidates);
            } else {
                // A layout-1 model: its columns lead every row of the current layout.
                for (int r = 0; r < MAX_CANDIDATES; r++) {
                    candidatesData.put(r * candidateWidth, candidates, r * CANDIDATE_WIDTH, candidateWidth);
                }
            }
        }
        if (queryData != null) {
            requireLength(INPUT_QUERY, query, QUERY_WIDTH);
            queryData.put(0, query);
        }
        // Pinned outputs: the Result does not own them, so closing it frees nothing of ours.
        try (OrtSession.Result ignored = session.run(inputs, pinnedOutputs)) {
            // Nothing to read from the Result: the values are already in relevanceData and pStrongData.
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed to score: " + e.getMessage(), e);
        }
        relevanceData.get(0, relevanceOut);
        return pStrongData.get(0);
    }

    private static void requireLength(String name, float[] values, int expected) {
        if (values == null || values.length != expected) {
            throw new IllegalArgumentException(name + " must hold exactly " + expected + " floats, got "
                    + (values == null ? "null" : values.length));
        }
    }

    /**
     * Scores a fixed pseudo-random probe batch at several fill levels (including no candidates at all)
     * and refuses the model if any output is not finite or leaves [0, 1]. Run it before a release
     * replaces the serving model.
     */
    public void dryRun() throws ModelContractException {
        float[] candidates = new float[MAX_CANDIDATES * CANDIDATE_WIDTH];
        float[] query = new float[QUERY_WIDTH];
        float[] relevance = new float[MAX_CANDIDATES];
        SplittableRandom random = new SplittableRandom(PROBE_SEED);
        for (int present : PROBE_FILLS) {
            ProbeBatch.fill(candidates, query, present, random);
            float pStrong;
            try {
                pStrong = score(candidates, query, relevance);
            } catch (IllegalStateException e) {
                throw new ModelContractException("dry run with " + present + " candidates failed: "
                        + e.getMessage(), e);
            }
            requireProbability(OUTPUT_P_STRONG, pStrong, present);
            for (int i = 0; i < MAX_CANDIDATES; i++) {
                requireProbability(OUTPUT_RELEVANCE + "[" + i + "]", relevance[i], present);
            }
        }
    }

    private static void requireProbability(String what, float value, int present) throws ModelContractException {
        if (!(value >= 0f && value <= 1f)) { // also false for NaN
            throw new ModelContractException("dry run with " + present + " candidates: " + what + " = " + value
                    + ", outputs must be finite and in [0, 1]");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        tensors.forEach(OnnxTensor::close);
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("could not close ONNX Runtime session: " + e.getMessage(), e);
        }
    }

    /** Checks a loaded model's declared tensors against {@link FeatureLayout}. */
    static final class ModelSignature {
        private ModelSignature() {}

        static void check(OrtSession session) throws OrtException, ModelContractException {
            Map<String, NodeInfo> outputs = session.getOutputInfo();
            requireTensor("output", OUTPUT_RELEVANCE, outputs, RELEVANCE_SHAPE);
            requireTensor("output", OUTPUT_P_STRONG, outputs, P_STRONG_SHAPE);

            Map<String, NodeInfo> inputs = session.getInputInfo();
            if (inputs.isEmpty()) {
                throw new ModelContractException("model has no inputs; " + allowedInputs());
            }
            for (String name : inputs.keySet()) {
                if (name.equals(INPUT_CANDIDATES)) {
                    requireTensor("input", name, inputs, candidateWidth(session) == FeatureLayout.V1_CANDIDATE_WIDTH
                            ? V1_CANDIDATES_SHAPE : CANDIDATES_SHAPE);
                } else if (name.equals(INPUT_QUERY)) {
                    requireTensor("input", name, inputs, QUERY_SHAPE);
                } else {
                    throw new ModelContractException("model input '" + name + "' is not part of the contract; "
                            + allowedInputs());
                }
            }
        }

        /** The declared width of the candidates input (any; requireTensor judges it). */
        static int candidateWidth(OrtSession session) throws OrtException {
            NodeInfo node = session.getInputInfo().get(INPUT_CANDIDATES);
            if (node != null && node.getInfo() instanceof TensorInfo t && t.getShape().length == 2
                    && t.getShape()[1] == FeatureLayout.V1_CANDIDATE_WIDTH) {
                return FeatureLayout.V1_CANDIDATE_WIDTH;
            }
            return CANDIDATE_WIDTH;
        }

        private static String allowedInputs() {
            return "FeatureLayout v" + FeatureLayout.VERSION + " allows inputs '" + INPUT_CANDIDATES + "' float32 "
                    + Arrays.toString(CANDIDATES_SHAPE) + " and/or '" + INPUT_QUERY + "' float32 "
                    + Arrays.toString(QUERY_SHAPE);
        }

        private static void requireTensor(String kind, String name, Map<String, NodeInfo> declared, long[] shape)
                throws ModelContractException {
            String required = "FeatureLayout v" + FeatureLayout.VERSION + " requires float32 " + Arrays.toString(shape);
            NodeInfo node = declared.get(name);
            if (node == null) {
                throw new ModelContractException("model has no " + kind + " '" + name + "' (it declares "
                        + declared.keySet() + "); " + required);
            }
            if (!(node.getInfo() instanceof TensorInfo tensor)) {
                throw new ModelContractException("model " + kind + " '" + name + "' is not a tensor ("
                        + node.getInfo() + "); " + required);
            }
            if (tensor.type != OnnxJavaType.FLOAT || !Arrays.equals(tensor.getShape(), shape)) {
                boolean symbolic = Arrays.stream(tensor.getShape()).anyMatch(d -> d < 0);
                throw new ModelContractException("model " + kind + " '" + name + "' is " + tensor.type + " "
                        + Arrays.toString(tensor.getShape()) + "; " + required
                        + (symbolic ? " (-1 is a symbolic dimension: export with fixed shapes)" : ""));
            }
        }
    }

    /** The deterministic batch {@link #dryRun} scores: plausible values in each column's documented range. */
    static final class ProbeBatch {
        private ProbeBatch() {}

        static void fill(float[] candidates, float[] query, int present, SplittableRandom random) {
            Arrays.fill(candidates, 0f);
            for (int i = 0; i < present; i++) {
                int row = i * CANDIDATE_WIDTH;
                candidates[row + FeatureLayout.C_PRESENT] = 1f;
                candidates[row + FeatureLayout.C_SIMILARITY] = (float) random.nextDouble(-1, 1);
                candidates[row + FeatureLayout.C_RECENCY] = (float) random.nextDouble(0.001, 1);
                candidates[row + FeatureLayout.C_CONFIDENCE] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_FREQUENCY] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_TAG_OVERLAP] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_SAME_SESSION] = random.nextBoolean() ? 1f : 0f;
                candidates[row + FeatureLayout.C_SUCCESS] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_CHEAP_OUTCOME] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_STRONG_OUTCOME] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_OUTCOME_KNOWN] = random.nextBoolean() ? 1f : 0f;
                // Layout 2: the context columns (ContextFeatures), each in its documented range.
                candidates[row + FeatureLayout.C_LEXICAL] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_LEXICAL_RANK] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_DENSE_RANK] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_SIMILARITY_GAP] = (float) random.nextDouble(-2, 0);
                candidates[row + FeatureLayout.C_ENTITY_OVERLAP] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_QUERY_NAMES] = random.nextBoolean() ? 1f : 0f;
                candidates[row + FeatureLayout.C_SESSION_SIMILARITY] = (float) random.nextDouble(-2, 0);
                candidates[row + FeatureLayout.C_SESSION_LEXICAL] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_SESSION_SHARE] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_TIME_MATCH] = random.nextBoolean() ? 1f : 0f;
                candidates[row + FeatureLayout.C_QUERY_TEMPORAL] = random.nextBoolean() ? 1f : 0f;
                candidates[row + FeatureLayout.C_MEMORY_TIME_WORDS] = random.nextBoolean() ? 1f : 0f;
                candidates[row + FeatureLayout.C_TEXT_LENGTH] = (float) random.nextDouble();
                candidates[row + FeatureLayout.C_NEIGHBOUR_SIMILARITY] = (float) random.nextDouble(-2, 0);
                candidates[row + FeatureLayout.C_NEIGHBOUR_LEXICAL] = (float) random.nextDouble();
            }
            double norm = 0;
            for (int d = 0; d < FeatureLayout.EMBEDDING_DIM; d++) {
                query[d] = (float) random.nextGaussian();
                norm += query[d] * query[d];
            }
            float scale = (float) (1 / Math.sqrt(norm));
            for (int d = 0; d < FeatureLayout.EMBEDDING_DIM; d++) {
                query[d] *= scale;
            }
            query[FeatureLayout.Q_LENGTH] = (float) (Math.log1p(random.nextInt(1, 4000)) / 10);
            query[FeatureLayout.Q_CODE] = random.nextBoolean() ? 1f : 0f;
            query[FeatureLayout.Q_MATH] = random.nextBoolean() ? 1f : 0f;
            query[FeatureLayout.Q_CANDIDATE_FILL] = present / (float) MAX_CANDIDATES;
        }
    }
}
