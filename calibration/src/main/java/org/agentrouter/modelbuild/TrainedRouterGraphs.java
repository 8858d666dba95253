package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.C_CHEAP_OUTCOME;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.C_SIMILARITY;
import static org.agentrouter.features.FeatureLayout.C_STRONG_OUTCOME;
import static org.agentrouter.features.FeatureLayout.INPUT_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.INPUT_QUERY;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.OUTPUT_P_STRONG;
import static org.agentrouter.features.FeatureLayout.OUTPUT_RELEVANCE;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;
import static org.tribuo.util.onnx.ONNXOperators.ADD;
import static org.tribuo.util.onnx.ONNXOperators.DIV;
import static org.tribuo.util.onnx.ONNXOperators.GEMM;
import static org.tribuo.util.onnx.ONNXOperators.MUL;
import static org.tribuo.util.onnx.ONNXOperators.SIGMOID;
import static org.tribuo.util.onnx.ONNXOperators.SOFTMAX;
import static org.tribuo.util.onnx.ONNXOperators.SUB;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

/**
 * ONNX graphs of the trained routers, under the serving contract ({@code candidates} [128 x 11] and, for
 * models that read it, {@code query} [1 x 388] in,
 * {@code relevance} [128 x 1] and {@code p_strong} [1 x 1] out), so a trained model is published and
 * hot-swapped like the seed. Weight matrices go in as float32, or as int8 + one scale per tensor behind a
 * DequantizeLinear (the INT8 variant). The trainer's forward pass computes exactly these formulas.
 */
public final class TrainedRouterGraphs {
    private TrainedRouterGraphs() {}

    /** Subtracted from a padding row's attention logit, as in the seed. */
    public static final float PADDING_PENALTY = SeedModelBuilder.PADDING_PENALTY;

    /**
     * Per-row MLP with attention pooling. h = relu(x W1 + b1) [128 x H]; r = h a + br; attention =
     * softmax over rows of r (padding masked); p_strong = sigmoid(attention' h v + c); relevance =
     * sigmoid(r) * present.
     *
     * @param w1 row-major [CANDIDATE_WIDTH x hidden]
     */
    public record AttentionMlp(int hidden, float[] w1, float[] b1, float[] attention, float attentionBias,
                               float[] out, float outBias) {}

    /**
     * FastGRNN (Kusupati et al. 2018) over the first {@code steps} candidates, read from the least to the
     * most similar so the closest memory is the last input; gate and update share W and U:
     * pre = x_t W + h U; z = sigmoid(pre + bz); c = tanh(pre + bh); h = (zeta (1 - z) + nu) c + z h.
     * W and U are given dense here (the trainer's low-rank factors multiplied out: one MatMul per step
     * instead of two). Every candidate also gets a linear relevance r = x a + br; p_strong =
     * sigmoid(h v + c + voteScale * attention' gain), attention = softmax of r over present rows, gain =
     * strong outcome - cheap outcome (0 on padding and unknown outcomes).
     *
     * @param w row-major [CANDIDATE_WIDTH x hidden]
     * @param u row-major [hidden x hidden]
     */
    public record FastGrnn(int hidden, int steps, float[] w, float[] u, float[] biasGate, float[] biasUpdate,
                           float zeta, float nu, float[] out, float outBias, float[] relevance, float relevanceBias,
                           float voteScale) {}

    /**
     * Logistic regression (hidden = 0) or one-layer MLP on the query row and the mean present candidate
     * row: m = (1' X) / max(present count, 1); pre = q Wq + m Wc; p_strong = sigmoid(pre + c) when hidden
     * = 0, else sigmoid(relu(pre + b1) v + c). It learns no relevance: relevance = (similarity + 1) / 2 *
     * present, the retrieval's own order.
     *
     * @param wQuery row-major [QUERY_WIDTH x max(hidden, 1)]
     * @param wCandidates row-major [CANDIDATE_WIDTH x max(hidden, 1)]
     * @param b1 [hidden], null when hidden = 0
     * @param out [hidden], null when hidden = 0
     */
    public record QueryMlp(int hidden, float[] wQuery, float[] wCandidates, float[] b1, float[] out, float outBias) {}

    public static byte[] queryMlp(QueryMlp m, boolean int8, Map<String, String> metadata) {
        Graph g = new Graph(m.hidden() == 0 ? "query_logistic_router" : "query_mlp_router", int8);
        ONNXPlaceholder x = g.ctx.floatInput(INPUT_CANDIDATES, CANDIDATE_WIDTH);
        ONNXPlaceholder query = g.queryInput();
        ONNXPlaceholder relevanceOut = g.ctx.floatOutput(OUTPUT_RELEVANCE, 1);
        ONNXPlaceholder pStrongOut = g.ctx.floatOutput(OUTPUT_P_STRONG, 1);
        int width = Math.max(m.hidden(), 1);

        // Padding rows are zero, so the sum over all rows is the sum over the present ones.
        float[] ones = new float[MAX_CANDIDATES];
        java.util.Arrays.fill(ones, 1f);
        ONNXNode sums = g.ctx.operation(GEMM, List.of(g.dense("ones", 1, MAX_CANDIDATES, ones), x), "candidate_sums", Map.of());
        float[] pick = new float[CANDIDATE_WIDTH];
        pick[C_PRESENT] = 1f;
        ONNXNode count = g.ctx.operation(GEMM, List.of(sums, g.dense("pick_present", CANDIDATE_WIDTH, 1, pick)), "present_count", Map.of());
        ONNXNode atLeastOne = g.ctx.operation(ExtraOnnxOperators.CLIP, List.of(count, g.ctx.constant("one", 1f)),
                "present_count_min_1", Map.of());
        ONNXNode mean = sums.apply(DIV, atLeastOne, "candidate_mean");
        ONNXRef<?> firstBias = m.hidden() == 0 ? g.bias("out_bias", new float[] {m.outBias()}) : g.bias("b1", m.b1());
        ONNXNode fromQuery = g.ctx.operation(GEMM, List.of(query, g.weight("w_query", QUERY_WIDTH, width, m.wQuery()),
                firstBias), "from_query", Map.of());
        ONNXNode pre = g.ctx.operation(GEMM, List.of(mean, g.weight("w_candidates", CANDIDATE_WIDTH, width, m.wCandidates()),
                fromQuery), "pre", Map.of());
        ONNXNode logit = m.hidden() == 0 ? pre
                : g.ctx.operation(GEMM, List.of(pre.apply(ExtraOnnxOperators.RELU, "hidden"),
                        g.weight("out", m.hidden(), 1, m.out()), g.bias("out_bias", new float[] {m.outBias()})), "logit", Map.of());
        logit.apply(SIGMOID).assignTo(pStrongOut);

        float[] rowWeights = new float[CANDIDATE_WIDTH * 2];
        rowWeights[C_PRESENT * 2] = 1f;
        rowWeights[C_SIMILARITY * 2 + 1] = 0.5f;
        ONNXNode rows = g.ctx.operation(GEMM, List.of(x, g.dense("relevance_terms", CANDIDATE_WIDTH, 2, rowWeights),
                g.bias("relevance_bias", new float[] {0f, 0.5f})), "relevance_terms_out", Map.of());
        List<ONNXNode> terms = g.ctx.operation(ExtraOnnxOperators.split(2), List.of(rows),
                List.of("present", "similarity_unit"), Map.of("axis", 1));
        terms.get(1).apply(MUL, terms.get(0), "masked_relevance").assignTo(relevanceOut);
        return g.serialize((m.hidden() == 0 ? "Logistic regression" : "MLP")
                + " on the query row and the mean candidate row, trained by ./router train.", metadata);
    }

    public static byte[] attentionMlp(AttentionMlp m, boolean int8, Map<String, String> metadata) {
        Graph g = new Graph("attention_mlp_router", int8);
        ONNXPlaceholder x = g.ctx.floatInput(INPUT_CANDIDATES, CANDIDATE_WIDTH);
        ONNXPlaceholder relevanceOut = g.ctx.floatOutput(OUTPUT_RELEVANCE, 1);
        ONNXPlaceholder pStrongOut = g.ctx.floatOutput(OUTPUT_P_STRONG, 1);
        int h = m.hidden();

        ONNXNode hidden = g.ctx.operation(GEMM, List.of(x, g.weight("w1", CANDIDATE_WIDTH, h, m.w1()),
                g.bias("b1", m.b1())), "pre_hidden", Map.of()).apply(ExtraOnnxOperators.RELU, "hidden");
        List<ONNXNode> mask = presentAndPadding(g, x);
        ONNXNode r = g.ctx.operation(GEMM, List.of(hidden, g.dense("attention", h, 1, m.attention()),
                g.bias("attention_bias", new float[] {m.attentionBias()})), "relevance_logit", Map.of());
        ONNXNode attention = r.apply(ADD, mask.get(1), "attention_logit").apply(SOFTMAX, Map.of("axis", 0));
        ONNXNode pooled = g.ctx.operation(GEMM, List.of(attention, hidden), "pooled", sorted("transA", 1));
        ONNXNode logit = g.ctx.operation(GEMM, List.of(pooled, g.dense("out", h, 1, m.out()),
                g.bias("out_bias", new float[] {m.outBias()})), "logit", Map.of());
        logit.apply(SIGMOID).assignTo(pStrongOut);
        r.apply(SIGMOID).apply(MUL, mask.get(0), "masked_relevance").assignTo(relevanceOut);
        return g.serialize("Attention-pooled per-candidate MLP router, trained by ./router train.", metadata);
    }

    public static byte[] fastGrnn(FastGrnn m, boolean int8, Map<String, String> metadata) {
        if (m.steps() < 1 || m.steps() >= MAX_CANDIDATES) {
            throw new IllegalArgumentException("steps must be in 1.." + (MAX_CANDIDATES - 1) + ", got " + m.steps());
        }
        Graph g = new Graph("fastgrnn_router", int8);
        ONNXPlaceholder x = g.ctx.floatInput(INPUT_CANDIDATES, CANDIDATE_WIDTH);
        ONNXPlaceholder relevanceOut = g.ctx.floatOutput(OUTPUT_RELEVANCE, 1);
        ONNXPlaceholder pStrongOut = g.ctx.floatOutput(OUTPUT_P_STRONG, 1);
        int h = m.hidden();
        int steps = m.steps();

        // One Gemm gives every per-row linear term: relevance logit, present, padding logit, gain.
        float[] rowWeights = new float[CANDIDATE_WIDTH * 4];
        for (int c = 0; c < CANDIDATE_WIDTH; c++) rowWeights[c * 4] = m.relevance()[c];
        rowWeights[C_PRESENT * 4 + 1] = 1f;
        rowWeights[C_PRESENT * 4 + 2] = PADDING_PENALTY;
        rowWeights[C_STRONG_OUTCOME * 4 + 3] = 1f;
        rowWeights[C_CHEAP_OUTCOME * 4 + 3] = -1f;
        ONNXNode rows = g.ctx.operation(GEMM, List.of(x, g.dense("row_terms", CANDIDATE_WIDTH, 4, rowWeights),
                g.bias("row_bias", new float[] {m.relevanceBias(), 0f, -PADDING_PENALTY, 0f})), "row_terms_out", Map.of());
        List<ONNXNode> terms = g.ctx.operation(ExtraOnnxOperators.split(4), List.of(rows),
                List.of("relevance_logit", "present", "padding_logit", "gain"), Map.of("axis", 1));
        ONNXNode attention = terms.get(0).apply(ADD, terms.get(2), "attention_logit").apply(SOFTMAX, Map.of("axis", 0));
        ONNXNode vote = g.ctx.operation(GEMM, List.of(attention, terms.get(3)), "vote", sorted("transA", 1));
        terms.get(0).apply(SIGMOID).apply(MUL, terms.get(1), "masked_relevance").assignTo(relevanceOut);

        // The first `steps` rows, each projected once through [W W] plus [bz bh]: [steps x 2H].
        List<ONNXNode> head = g.ctx.operation(ExtraOnnxOperators.split(2),
                List.of(x, g.ctx.array("head_sizes", new long[] {steps, MAX_CANDIDATES - steps})),
                List.of("head", "tail"), Map.of("axis", 0));
        float[] wBoth = twice(m.w(), CANDIDATE_WIDTH, h);
        float[] bBoth = new float[2 * h];
        System.arraycopy(m.biasGate(), 0, bBoth, 0, h);
        System.arraycopy(m.biasUpdate(), 0, bBoth, h, h);
        ONNXNode projected = g.ctx.operation(GEMM, List.of(head.get(0), g.weight("w", CANDIDATE_WIDTH, 2 * h, wBoth),
                g.bias("b_gate_update", bBoth)), "projected", Map.of());
        List<String> stepNames = new ArrayList<>();
        for (int t = 0; t < steps; t++) stepNames.add("x_" + t);
        List<ONNXNode> inputs = g.ctx.operation(ExtraOnnxOperators.split(steps), List.of(projected), stepNames,
                Map.of("axis", 0));

        ONNXRef<?> u = g.weight("u", h, 2 * h, twice(m.u(), h, h));
        ONNXRef<?> zeta = g.ctx.constant("zeta", m.zeta());
        ONNXRef<?> zetaPlusNu = g.ctx.constant("zeta_plus_nu", m.zeta() + m.nu());
        ONNXRef<?> state = g.dense("h_init", 1, h, new float[h]);
        for (int t = steps - 1; t >= 0; t--) {
            ONNXNode pre = g.ctx.operation(GEMM, List.of(state, u, inputs.get(t)), "pre_" + t, Map.of());
            List<ONNXNode> halves = g.ctx.operation(ExtraOnnxOperators.split(2), List.of(pre),
                    List.of("gate_pre_" + t, "update_pre_" + t), Map.of("axis", 1));
            ONNXNode z = halves.get(0).apply(SIGMOID, "gate_" + t);
            ONNXNode c = halves.get(1).apply(ExtraOnnxOperators.TANH, "update_" + t);
            // h' = z (h - zeta c) + (zeta + nu) c, the same as (zeta (1 - z) + nu) c + z h in fewer nodes.
            ONNXNode kept = state.apply(SUB, c.apply(MUL, zeta, "zeta_c_" + t), "h_minus_" + t).apply(MUL, z, "kept_" + t);
            state = kept.apply(ADD, c.apply(MUL, zetaPlusNu, "fresh_" + t), "h_" + t);
        }
        ONNXNode stateLogit = g.ctx.operation(GEMM, List.of(state, g.dense("out", h, 1, m.out()),
                g.bias("out_bias", new float[] {m.outBias()})), "state_logit", Map.of());
        ONNXNode logit = g.ctx.operation(GEMM, List.of(vote, g.dense("vote_scale", 1, 1, new float[] {m.voteScale()}),
                stateLogit), "logit", Map.of());
        logit.apply(SIGMOID).assignTo(pStrongOut);
        return g.serialize("FastGRNN router over the top " + steps + " candidates, trained by ./router train.", metadata);
    }

    private static List<ONNXNode> presentAndPadding(Graph g, ONNXPlaceholder x) {
        float[] w = new float[CANDIDATE_WIDTH * 2];
        w[C_PRESENT * 2] = 1f;
        w[C_PRESENT * 2 + 1] = PADDING_PENALTY;
        ONNXNode both = g.ctx.operation(GEMM, List.of(x, g.dense("mask_terms", CANDIDATE_WIDTH, 2, w),
                g.bias("mask_bias", new float[] {0f, -PADDING_PENALTY})), "mask_terms_out", Map.of());
        return g.ctx.operation(ExtraOnnxOperators.split(2), List.of(both), List.of("present", "padding_logit"),
                Map.of("axis", 1));
    }

    /** [rows x cols] -> [rows x 2 cols], the matrix side by side with itself (shared W, U for gate and update). */
    private static float[] twice(float[] m, int rows, int cols) {
        float[] out = new float[rows * cols * 2];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(m, r * cols, out, r * 2 * cols, cols);
            System.arraycopy(m, r * cols, out, r * 2 * cols + cols, cols);
        }
        return out;
    }

    private static Map<String, Object> sorted(Object... keyValues) {
        Map<String, Object> map = new TreeMap<>();
        for (int i = 0; i < keyValues.length; i += 2) map.put((String) keyValues[i], keyValues[i + 1]);
        return map;
    }

    /** One graph under construction, knowing whether its weight matrices are int8. */
    private static final class Graph {
        final ONNXContext ctx = new ONNXContext();
        final boolean int8;
        /** Initializer name -> int8 values, swapped in for the float placeholders after the graph is built. */
        final Map<String, Int8Tensor> quantized = new HashMap<>();
        boolean readsQuery;

        Graph(String name, boolean int8) {
            ctx.setName(name);
            this.int8 = int8;
        }

        /** A trained weight matrix: float32, or int8 + scale behind a DequantizeLinear. */
        ONNXRef<?> weight(String name, int rows, int cols, float[] values) {
            if (!int8) return dense(name, rows, cols, values);
            Int8Tensor q = Int8Tensor.quantize(values);
            float[] placeholder = new float[values.length];
            ONNXRef<?> raw = ctx.floatTensor(name + "_int8", List.of(rows, cols), b -> b.put(placeholder));
            quantized.put(raw.getReference(), q);
            return ctx.operation(ExtraOnnxOperators.DEQUANTIZE_LINEAR, List.of(raw, ctx.constant(name + "_scale", q.scale())),
                    name, Map.of());
        }

        ONNXPlaceholder queryInput() {
            readsQuery = true;
            return ctx.floatInput(INPUT_QUERY, QUERY_WIDTH);
        }

        ONNXRef<?> dense(String name, int rows, int cols, float[] values) {
            if (values.length != rows * cols) {
                throw new IllegalArgumentException(name + ": " + values.length + " values for " + rows + " x " + cols);
            }
            return ctx.floatTensor(name, List.of(rows, cols), b -> b.put(values));
        }

        /** [1 x n], broadcast over rows by Gemm. */
        ONNXRef<?> bias(String name, float[] values) {
            return dense(name, 1, values.length, values);
        }

        byte[] serialize(String doc, Map<String, String> metadata) {
            OnnxMl.GraphProto built = ctx.buildGraph();
            OnnxMl.GraphProto.Builder rewritten = built.toBuilder();
            for (int i = 0; i < built.getInitializerCount(); i++) {
                OnnxMl.TensorProto init = built.getInitializer(i);
                Int8Tensor q = quantized.get(init.getName());
                if (q == null) continue;
                rewritten.setInitializer(i, OnnxMl.TensorProto.newBuilder().setName(init.getName())
                        .addAllDims(init.getDimsList()).setDataType(OnnxMl.TensorProto.DataType.INT8_VALUE)
                        .setRawData(ByteString.copyFrom(q.values())).build());
            }
            Map<String, long[]> shapes = new HashMap<>(Map.of(INPUT_CANDIDATES, new long[] {MAX_CANDIDATES, CANDIDATE_WIDTH},
                    OUTPUT_RELEVANCE, new long[] {MAX_CANDIDATES, 1},
                    OUTPUT_P_STRONG, new long[] {1, 1}));
            if (readsQuery) shapes.put(INPUT_QUERY, new long[] {1, QUERY_WIDTH});
            return FixedShapeModel.serialize(rewritten.build(), shapes, doc, metadata);
        }
    }
}
