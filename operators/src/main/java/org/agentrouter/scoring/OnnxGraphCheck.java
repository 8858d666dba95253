package org.agentrouter.scoring;

import static org.agentrouter.features.FeatureLayout.INPUT_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.INPUT_QUERY;
import static org.agentrouter.features.FeatureLayout.OUTPUT_P_STRONG;
import static org.agentrouter.features.FeatureLayout.OUTPUT_RELEVANCE;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agentrouter.features.FeatureLayout;

/**
 * Reads a model's ONNX graph with the ONNX protobuf classes and refuses it, before ONNX Runtime ever sees the
 * bytes, unless it is a graph of the kind this project builds (SeedModelBuilder, TrainedRouterGraphs): a
 * release whose checksum was recomputed over corrupt or hostile bytes must not reach native code that can
 * crash the TaskManager, allocate what a declared size says, read files named in the model, or run for hours.
 *
 * <p>What it checks: IR version and default-domain opset in the supported ranges and no other operator domain;
 * every operator in {@link #OPERATORS}; no model-local functions, sparse or training tensors; no tensor with
 * external data (it would make ONNX Runtime open a file on the TaskManager's disk); every initializer's
 * declared element count bounded and equal to the data it carries; bounded parameters and nodes; the graph's
 * inputs and outputs exactly those of {@link FeatureLayout} (names, float32, fixed shapes). Then it infers the
 * shape of every tensor the graph computes, from the inputs and initializers, in node order: every tensor stays
 * under {@link #MAX_TENSOR_ELEMENTS}, the estimated work of one run under {@link #MAX_MULTIPLY_ADDS}, and the
 * outputs come out with the shapes the contract declares. Nothing is allocated from a declared size: only
 * counts are multiplied, with overflow checks.
 *
 * <p>Every refusal is a {@link ModelRejectedException} with rule {@value #RULE} and a reason naming the check.
 * Stateless and thread-safe; no Flink, no native code.
 */
public final class OnnxGraphCheck {
    public static final String RULE = "graph";

    /** The operators our graph builders emit (default ONNX domain); add one here only when a builder needs it. */
    public static final Set<String> OPERATORS = Set.of("Add", "Clip", "DequantizeLinear", "Div", "Gemm", "Identity",
            "MatMul", "Mul", "Relu", "Sigmoid", "Softmax", "Split", "Sub", "Tanh");
    /** IR 7 goes with opset 13, what our builders write; up to IR 10 / opset 21, what ONNX Runtime 1.2x reads. */
    public static final long MIN_IR_VERSION = 7;
    public static final long MAX_IR_VERSION = 10;
    public static final long MIN_OPSET = 13;
    public static final long MAX_OPSET = 21;
    /** The largest model is a few hundred kilobytes (a 388 x H query layer); a release travels in one Kafka record. */
    public static final int MAX_MODEL_BYTES = 64 << 20;
    public static final int MAX_NODES = 5_000;
    /** Elements of any one tensor, given or computed (16 MiB of float32). */
    public static final long MAX_TENSOR_ELEMENTS = 1L << 22;
    /** Elements of all initializers together. */
    public static final long MAX_PARAMETERS = 1L << 24;
    /** Multiply-adds of one run, estimated from the inferred shapes: our graphs need well under a million. */
    public static final long MAX_MULTIPLY_ADDS = 100_000_000L;
    static final int MAX_RANK = 8;

    /** Graph inputs and outputs the serving contract allows, with their fixed shapes. */
    static final Map<String, long[]> CONTRACT_INPUTS = Map.of(
            INPUT_CANDIDATES, OnnxScorer.CANDIDATES_SHAPE, INPUT_QUERY, OnnxScorer.QUERY_SHAPE);
    /** A layout-1 model reads the first 11 candidate columns (still served: OnnxScorer feeds it those). */
    static final Map<String, long[]> CONTRACT_INPUTS_LAYOUT1 = Map.of(
            INPUT_CANDIDATES, OnnxScorer.V1_CANDIDATES_SHAPE, INPUT_QUERY, OnnxScorer.QUERY_SHAPE);
    static final Map<String, long[]> CONTRACT_OUTPUTS = Map.of(
            OUTPUT_RELEVANCE, OnnxScorer.RELEVANCE_SHAPE, OUTPUT_P_STRONG, OnnxScorer.P_STRONG_SHAPE);

    /** What a graph that passed amounts to. */
    public record Summary(int nodes, long parameters, long multiplyAdds) {}

    private OnnxGraphCheck() {}

    /** @throws ModelRejectedException with rule {@value #RULE} when the graph is not one this job may load */
    public static Summary check(byte[] onnx) throws ModelRejectedException {
        if (onnx == null || onnx.length == 0) {
            throw refuse("model bytes are empty");
        }
        if (onnx.length > MAX_MODEL_BYTES) {
            throw refuse("model is " + onnx.length + " bytes, more than the " + MAX_MODEL_BYTES + " allowed");
        }
        OnnxMl.ModelProto model;
        try {
            // Parsing a byte array allocates no more than the array holds: every length is checked against it.
            model = OnnxMl.ModelProto.parseFrom(onnx);
        } catch (InvalidProtocolBufferException | RuntimeException | StackOverflowError e) {
            throw refuse("not an ONNX model: " + e.getMessage());
        }
        try {
            return new GraphWalk(model).run();
        } catch (RuntimeException e) {
            // A case the walk did not foresee is still a refusal, never an exception that would fail the task (and
            // fail it again on every restart, since the release stays in the broadcast stream).
            throw refuse(UNCHECKED + e);
        }
    }

    /** The start of the reason when the check itself failed; MutatedModelPropertyTest treats it as a defect. */
    static final String UNCHECKED = "graph could not be checked: ";

    /** Whether a graph input is layout 1's candidate matrix (its second dimension the 11 columns of layout 1). */
    static boolean declaresLayout1(OnnxMl.ValueInfoProto v) {
        if (!v.getName().equals(INPUT_CANDIDATES) || !v.getType().hasTensorType()) return false;
        List<OnnxMl.TensorShapeProto.Dimension> dims = v.getType().getTensorType().getShape().getDimList();
        return dims.size() == 2 && dims.get(1).hasDimValue()
                && dims.get(1).getDimValue() == FeatureLayout.V1_CANDIDATE_WIDTH;
    }

    static ModelRejectedException refuse(String reason) {
        return new ModelRejectedException(RULE, reason);
    }
}
