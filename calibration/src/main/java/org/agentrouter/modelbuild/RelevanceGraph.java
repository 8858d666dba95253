package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.INPUT_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.INPUT_QUERY;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.OUTPUT_P_STRONG;
import static org.agentrouter.features.FeatureLayout.OUTPUT_RELEVANCE;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The relevance head as its own ONNX sub-graph, joined to the {@code p_strong} of any release: the two outputs of
 * the serving contract come from two independent parts, so a better p_strong (trained elsewhere) and a better
 * relevance head combine without retraining either. {@link #combine} takes a whole model, keeps only the nodes
 * its {@code p_strong} needs (its own relevance is dropped), prefixes their names with {@code p_strong/}, and adds
 * the head under {@code relevance/}:
 * <pre>
 * relevance = sigmoid(relu(candidates W1 + b1) w2 + b2) * present      (hidden = 0: sigmoid(candidates w2 + b2) * present)
 * </pre>
 * The result reads {@code candidates} of the current layout ({@link org.agentrouter.features.FeatureLayout#VERSION});
 * a p_strong part made for the narrower layout 1 reads the first columns through a selection Gemm, which are the
 * same columns. The query input is declared when the p_strong part reads it.
 */
public final class RelevanceGraph {
    static final String P_STRONG_PREFIX = "p_strong/";
    static final String RELEVANCE_PREFIX = "relevance/";

    private RelevanceGraph() {}

    /**
     * The head's parameters, as {@code RelevanceNetwork} trains them.
     *
     * @param w1 row-major [CANDIDATE_WIDTH x hidden]; null when hidden = 0
     * @param b1 [hidden]; null when hidden = 0
     * @param w2 [hidden x 1], or [CANDIDATE_WIDTH x 1] when hidden = 0
     */
    public record Head(int hidden, float[] w1, float[] b1, float[] w2, float b2) {
        public Head {
            int rows = hidden > 0 ? hidden : CANDIDATE_WIDTH;
            if (w2.length != rows) throw new IllegalArgumentException("w2 needs " + rows + " values, got " + w2.length);
            if (hidden > 0 && (w1.length != CANDIDATE_WIDTH * hidden || b1.length != hidden)) {
                throw new IllegalArgumentException("w1 must be [" + CANDIDATE_WIDTH + " x " + hidden + "], b1 [" + hidden + "]");
            }
        }
    }

    /**
     * @param pStrongModel a serialized model under any served layout (its p_strong is kept, its relevance dropped)
     * @param metadata the combined model's ONNX metadata
     */
    public static byte[] combine(byte[] pStrongModel, Head head, Map<String, String> metadata) {
        OnnxMl.ModelProto source;
        try {
            source = OnnxMl.ModelProto.parseFrom(pStrongModel);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
        OnnxMl.GraphProto g = source.getGraph();
        OnnxMl.GraphProto.Builder out = OnnxMl.GraphProto.newBuilder().setName("relevance_head_with_" + g.getName());

        boolean readsQuery = false;
        long sourceWidth = -1;
        for (OnnxMl.ValueInfoProto in : g.getInputList()) {
            if (in.getName().equals(INPUT_QUERY)) readsQuery = true;
            if (in.getName().equals(INPUT_CANDIDATES)) {
                sourceWidth = in.getType().getTensorType().getShape().getDim(1).getDimValue();
            }
        }
        if (sourceWidth > CANDIDATE_WIDTH) {
            throw new IllegalArgumentException("the p_strong model reads " + sourceWidth + " candidate columns, more than the "
                    + CANDIDATE_WIDTH + " of the current layout");
        }
        out.addInput(tensor(INPUT_CANDIDATES, MAX_CANDIDATES, CANDIDATE_WIDTH));
        if (readsQuery) out.addInput(tensor(INPUT_QUERY, 1, QUERY_WIDTH));
        out.addOutput(tensor(OUTPUT_RELEVANCE, MAX_CANDIDATES, 1));
        out.addOutput(tensor(OUTPUT_P_STRONG, 1, 1));

        // ---- p_strong part: the nodes its output needs, renamed ----
        String candidatesForPStrong = INPUT_CANDIDATES;
        if (sourceWidth > 0 && sourceWidth < CANDIDATE_WIDTH) {
            // The first columns by a Gemm with a 0/1 selection matrix: exact (x * 1 + 0), and Gemm is an operator
            // every served graph already uses (the job's graph check admits only those).
            candidatesForPStrong = P_STRONG_PREFIX + INPUT_CANDIDATES;
            float[] select = new float[CANDIDATE_WIDTH * (int) sourceWidth];
            for (int c = 0; c < sourceWidth; c++) select[c * (int) sourceWidth + c] = 1f;
            out.addInitializer(floats(P_STRONG_PREFIX + "layout1_selection", select, CANDIDATE_WIDTH, (int) sourceWidth));
            out.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Gemm").setName(P_STRONG_PREFIX + "layout1_columns")
                    .addInput(INPUT_CANDIDATES).addInput(P_STRONG_PREFIX + "layout1_selection").addOutput(candidatesForPStrong));
        }
        Set<String> needed = neededFor(g, OUTPUT_P_STRONG);
        Map<String, String> rename = new HashMap<>();
        rename.put(INPUT_CANDIDATES, candidatesForPStrong);
        rename.put(INPUT_QUERY, INPUT_QUERY);
        rename.put(OUTPUT_P_STRONG, OUTPUT_P_STRONG);
        for (OnnxMl.TensorProto init : g.getInitializerList()) {
            if (needed.contains(init.getName())) {
                out.addInitializer(init.toBuilder().setName(renamed(init.getName(), rename)));
            }
        }
        for (OnnxMl.NodeProto node : g.getNodeList()) {
            if (!node.getOutputList().stream().anyMatch(needed::contains)) continue;
            OnnxMl.NodeProto.Builder b = node.toBuilder().setName(P_STRONG_PREFIX + node.getName());
            for (int i = 0; i < node.getInputCount(); i++) {
                if (!node.getInput(i).isEmpty()) b.setInput(i, renamed(node.getInput(i), rename));
            }
            for (int i = 0; i < node.getOutputCount(); i++) b.setOutput(i, renamed(node.getOutput(i), rename));
            out.addNode(b);
        }

        // ---- relevance part ----
        float[] pick = new float[CANDIDATE_WIDTH];
        pick[C_PRESENT] = 1f;
        out.addInitializer(floats(RELEVANCE_PREFIX + "pick_present", pick, CANDIDATE_WIDTH, 1));
        out.addNode(gemm("present", INPUT_CANDIDATES, RELEVANCE_PREFIX + "pick_present", null, RELEVANCE_PREFIX + "present"));
        String scoreInput = INPUT_CANDIDATES;
        if (head.hidden() > 0) {
            out.addInitializer(floats(RELEVANCE_PREFIX + "w1", head.w1(), CANDIDATE_WIDTH, head.hidden()));
            out.addInitializer(floats(RELEVANCE_PREFIX + "b1", head.b1(), 1, head.hidden()));
            out.addNode(gemm("hidden_pre", INPUT_CANDIDATES, RELEVANCE_PREFIX + "w1", RELEVANCE_PREFIX + "b1",
                    RELEVANCE_PREFIX + "hidden_pre"));
            out.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Relu").setName(RELEVANCE_PREFIX + "relu")
                    .addInput(RELEVANCE_PREFIX + "hidden_pre").addOutput(RELEVANCE_PREFIX + "hidden"));
            scoreInput = RELEVANCE_PREFIX + "hidden";
        }
        int rows = head.hidden() > 0 ? head.hidden() : CANDIDATE_WIDTH;
        out.addInitializer(floats(RELEVANCE_PREFIX + "w2", head.w2(), rows, 1));
        out.addInitializer(floats(RELEVANCE_PREFIX + "b2", new float[] {head.b2()}, 1, 1));
        out.addNode(gemm("score", scoreInput, RELEVANCE_PREFIX + "w2", RELEVANCE_PREFIX + "b2", RELEVANCE_PREFIX + "score"));
        out.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Sigmoid").setName(RELEVANCE_PREFIX + "sigmoid")
                .addInput(RELEVANCE_PREFIX + "score").addOutput(RELEVANCE_PREFIX + "probability"));
        out.addNode(OnnxMl.NodeProto.newBuilder().setOpType("Mul").setName(RELEVANCE_PREFIX + "mask")
                .addInput(RELEVANCE_PREFIX + "probability").addInput(RELEVANCE_PREFIX + "present").addOutput(OUTPUT_RELEVANCE));

        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(source.getIrVersion())
                .addAllOpsetImport(source.getOpsetImportList())
                .setProducerName("agent-router")
                .setDomain("org.agentrouter")
                .setDocString("Relevance head (trained on LoCoMo, ./router train-relevance) with the p_strong of: "
                        + source.getDocString())
                .setGraph(out);
        new TreeMap<>(metadata).forEach((k, v) -> model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return model.build().toByteArray();
    }

    /** Every value (node output or initializer) that {@code output} depends on, itself included. */
    static Set<String> neededFor(OnnxMl.GraphProto g, String output) {
        Map<String, OnnxMl.NodeProto> producer = new HashMap<>();
        for (OnnxMl.NodeProto n : g.getNodeList()) for (String o : n.getOutputList()) producer.put(o, n);
        Set<String> needed = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(output));
        while (!todo.isEmpty()) {
            String v = todo.pop();
            if (!needed.add(v)) continue;
            OnnxMl.NodeProto n = producer.get(v);
            if (n == null) continue; // a graph input or an initializer
            for (String in : n.getInputList()) if (!in.isEmpty()) todo.push(in);
            for (String o : n.getOutputList()) needed.add(o); // every output of a kept node (Split) must be named
        }
        if (!needed.contains(output) || producer.get(output) == null) {
            throw new IllegalArgumentException("the model has no node producing '" + output + "'");
        }
        return needed;
    }

    private static String renamed(String name, Map<String, String> rename) {
        String r = rename.get(name);
        return r != null ? r : P_STRONG_PREFIX + name;
    }

    private static OnnxMl.NodeProto gemm(String name, String a, String b, String c, String output) {
        OnnxMl.NodeProto.Builder n = OnnxMl.NodeProto.newBuilder().setOpType("Gemm").setName(RELEVANCE_PREFIX + name)
                .addInput(a).addInput(b);
        if (c != null) n.addInput(c);
        return n.addOutput(output).build();
    }

    static OnnxMl.ValueInfoProto tensor(String name, long rows, long cols) {
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(rows))
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(cols));
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder().setTensorType(
                OnnxMl.TypeProto.Tensor.newBuilder().setElemType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    static OnnxMl.TensorProto floats(String name, float[] values, int rows, int cols) {
        if (values.length != rows * cols) throw new IllegalArgumentException(name + ": " + values.length + " values for " + rows + " x " + cols);
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return OnnxMl.TensorProto.newBuilder().setName(name).addDims(rows).addDims(cols)
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(b.array())).build();
    }
}
