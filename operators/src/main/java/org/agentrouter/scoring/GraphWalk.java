package org.agentrouter.scoring;

import static org.agentrouter.scoring.OnnxGraphCheck.*;

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

/** One check of one ONNX graph ({@link OnnxGraphCheck}): the shapes known so far and the running totals. */
final class GraphWalk {
    private final OnnxMl.ModelProto model;
    private final OnnxMl.GraphProto graph;
    private final Map<String, long[]> shapes = new HashMap<>();
    /** Small int64 initializers by name (Split's sizes), read only after their size was checked. */
    private final Map<String, TensorProto> initializers = new HashMap<>();
    private long parameters;
    private long multiplyAdds;

    GraphWalk(OnnxMl.ModelProto model) {
        this.model = model;
        this.graph = model.getGraph();
    }

    OnnxGraphCheck.Summary run() throws ModelRejectedException {
        checkModel();
        for (TensorProto t : graph.getInitializerList()) {
            initializer(t);
        }
        for (ValueInfoProto input : graph.getInputList()) {
            if (shapes.containsKey(input.getName())) {
                // IR < 4 style, or an input that a caller could override: neither is part of the contract
                throw refuse("graph input '" + input.getName() + "' is also an initializer");
            }
            Map<String, long[]> contract = declaresLayout1(input) ? CONTRACT_INPUTS_LAYOUT1 : CONTRACT_INPUTS;
            contractTensor("input", input, contract);
            define(input.getName(), contract.get(input.getName()));
        }
        if (!shapes.containsKey(INPUT_CANDIDATES) && !shapes.containsKey(INPUT_QUERY)) {
            throw refuse("graph reads neither '" + INPUT_CANDIDATES + "' nor '" + INPUT_QUERY + "'");
        }
        Map<String, ValueInfoProto> outputs = new LinkedHashMap<>();
        for (ValueInfoProto output : graph.getOutputList()) {
            contractTensor("output", output, CONTRACT_OUTPUTS);
            outputs.put(output.getName(), output);
        }
        for (String required : CONTRACT_OUTPUTS.keySet()) {
            if (!outputs.containsKey(required)) {
                throw refuse("graph has no output '" + required + "' (it declares " + outputs.keySet() + ")");
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            node(node);
        }
        for (String name : outputs.keySet()) {
            long[] computed = shapes.get(name);
            if (computed == null) {
                throw refuse("output '" + name + "' is computed by no node");
            }
            if (!Arrays.equals(computed, CONTRACT_OUTPUTS.get(name))) {
                throw refuse("output '" + name + "' is computed as " + Arrays.toString(computed) + " but declared "
                        + Arrays.toString(CONTRACT_OUTPUTS.get(name)));
            }
        }
        return new OnnxGraphCheck.Summary(graph.getNodeCount(), parameters, multiplyAdds);
    }

    private void checkModel() throws ModelRejectedException {
        long ir = model.getIrVersion();
        if (ir < MIN_IR_VERSION || ir > MAX_IR_VERSION) {
            throw refuse("IR version " + ir + " is outside the supported " + MIN_IR_VERSION + ".." + MAX_IR_VERSION);
        }
        if (!model.hasGraph()) {
            throw refuse("model has no graph");
        }
        Long opset = null;
        for (OnnxMl.OperatorSetIdProto import_ : model.getOpsetImportList()) {
            if (!defaultDomain(import_.getDomain())) {
                throw refuse("imports operator domain '" + import_.getDomain() + "'; only the default ONNX domain is allowed");
            }
            if (opset != null) {
                throw refuse("imports the default ONNX domain twice");
            }
            opset = import_.getVersion();
        }
        if (opset == null || opset < MIN_OPSET || opset > MAX_OPSET) {
            throw refuse("default ONNX opset " + opset + " is outside the supported " + MIN_OPSET + ".." + MAX_OPSET);
        }
        if (model.getFunctionsCount() > 0) {
            throw refuse("model defines " + model.getFunctionsCount() + " local functions; our graphs use none");
        }
        if (model.getTrainingInfoCount() > 0) {
            throw refuse("model carries training information; a served graph has none");
        }
        if (graph.getSparseInitializerCount() > 0) {
            throw refuse("graph has sparse initializers; our graphs use none");
        }
        if (graph.getNodeCount() > MAX_NODES) {
            throw refuse("graph has " + graph.getNodeCount() + " nodes, more than the " + MAX_NODES + " allowed");
        }
        if (graph.getInitializerCount() > MAX_NODES) {
            throw refuse("graph has " + graph.getInitializerCount() + " initializers, more than " + MAX_NODES);
        }
    }

    private static boolean defaultDomain(String domain) {
        return domain.isEmpty() || domain.equals("ai.onnx");
    }

    /** A constant tensor: type, shape and data agree, nothing external, sizes bounded. */
    private void initializer(TensorProto t) throws ModelRejectedException {
        String name = t.getName();
        long[] dims = tensorDims(t);
        long elements = elements("initializer '" + name + "'", dims);
        parameters += elements;
        if (parameters > MAX_PARAMETERS) {
            throw refuse("initializers hold more than " + MAX_PARAMETERS + " parameters in all");
        }
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            throw refuse("initializer '" + name + "' refers to external data (a file ONNX Runtime would open)");
        }
        if (t.hasSegment()) {
            throw refuse("initializer '" + name + "' is a segment of a tensor; our graphs use whole tensors");
        }
        int size = elementSize(t.getDataType());
        if (size == 0) {
            throw refuse("initializer '" + name + "' has element type " + t.getDataType()
                    + "; allowed: float32, int8, uint8, int32, int64");
        }
        long typed = typedCount(t);
        boolean raw = !t.getRawData().isEmpty();
        if (raw && typed > 0) {
            throw refuse("initializer '" + name + "' carries both raw and typed data");
        }
        long carried = raw ? t.getRawData().size() : typed;
        long expected = raw ? elements * size : elements;
        if (carried != expected) {
            throw refuse("initializer '" + name + "' declares " + Arrays.toString(dims) + " (" + elements
                    + " elements) but carries " + (raw ? carried + " raw bytes, " + expected + " expected" : typed + " values"));
        }
        define(name, dims);
        if (t.getDataType() == TensorProto.DataType.INT64_VALUE && elements <= MAX_RANK * 4L) {
            initializers.put(name, t);
        }
    }

    private static long typedCount(TensorProto t) {
        return (long) t.getFloatDataCount() + t.getInt32DataCount() + t.getInt64DataCount() + t.getDoubleDataCount()
                + t.getUint64DataCount() + t.getStringDataCount();
    }

    /** Bytes per element of the types our graphs use; 0 for any other. */
    private static int elementSize(int dataType) {
        switch (dataType) {
            case TensorProto.DataType.FLOAT_VALUE:
            case TensorProto.DataType.INT32_VALUE:
                return 4;
            case TensorProto.DataType.INT8_VALUE:
            case TensorProto.DataType.UINT8_VALUE:
                return 1;
            case TensorProto.DataType.INT64_VALUE:
                return 8;
            default:
                return 0;
        }
    }

    private long[] tensorDims(TensorProto t) throws ModelRejectedException {
        if (t.getDimsCount() > MAX_RANK) {
            throw refuse("initializer '" + t.getName() + "' has rank " + t.getDimsCount() + ", more than " + MAX_RANK);
        }
        long[] dims = new long[t.getDimsCount()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
        }
        return dims;
    }

    /** A graph input or output: a contract name, float32, exactly the contract's fixed shape. */
    private static void contractTensor(String kind, ValueInfoProto v, Map<String, long[]> contract)
            throws ModelRejectedException {
        long[] shape = contract.get(v.getName());
        String required = "FeatureLayout v" + FeatureLayout.VERSION + " allows " + kind + "s " + describe(contract);
        if (shape == null) {
            throw refuse("graph " + kind + " '" + v.getName() + "' is not part of the contract; " + required);
        }
        if (!v.getType().hasTensorType()) {
            throw refuse("graph " + kind + " '" + v.getName() + "' is not a tensor; " + required);
        }
        OnnxMl.TypeProto.Tensor tensor = v.getType().getTensorType();
        if (tensor.getElemType() != TensorProto.DataType.FLOAT_VALUE) {
            throw refuse("graph " + kind + " '" + v.getName() + "' has element type " + tensor.getElemType()
                    + ", not float32; " + required);
        }
        List<OnnxMl.TensorShapeProto.Dimension> dims = tensor.getShape().getDimList();
        long[] declared = new long[dims.size()];
        for (int i = 0; i < declared.length; i++) {
            declared[i] = dims.get(i).hasDimValue() ? dims.get(i).getDimValue() : -1;
        }
        if (!Arrays.equals(declared, shape)) {
            throw refuse("graph " + kind + " '" + v.getName() + "' is declared " + Arrays.toString(declared)
                    + (Arrays.stream(declared).anyMatch(d -> d < 0) ? " (-1: a symbolic dimension)" : "") + "; " + required);
        }
    }

    private static String describe(Map<String, long[]> contract) {
        StringBuilder s = new StringBuilder();
        new java.util.TreeMap<>(contract).forEach((name, shape) ->
                s.append(s.length() == 0 ? "" : ", ").append('\'').append(name).append("' float32 ").append(Arrays.toString(shape)));
        return s.toString();
    }

    private void define(String name, long[] shape) throws ModelRejectedException {
        if (name.isEmpty()) {
            throw refuse("a tensor has no name");
        }
        if (shapes.putIfAbsent(name, shape) != null) {
            throw refuse("tensor '" + name + "' is defined twice");
        }
    }

    /** The shape of a node's input, which an earlier node, an initializer or a graph input must have made. */
    private long[] in(NodeProto node, int i) throws ModelRejectedException {
        String name = node.getInput(i);
        long[] shape = shapes.get(name);
        if (shape == null) {
            throw refuse(node.getOpType() + " node '" + node.getName() + "' reads '" + name
                    + "', which nothing before it defines (nodes must come in topological order)");
        }
        return shape;
    }

    private boolean hasInput(NodeProto node, int i) {
        return node.getInputCount() > i && !node.getInput(i).isEmpty();
    }

    private void node(NodeProto node) throws ModelRejectedException {
        String op = node.getOpType();
        if (!defaultDomain(node.getDomain())) {
            throw refuse("node '" + node.getName() + "' uses operator " + op + " of domain '" + node.getDomain()
                    + "'; only the default ONNX domain is allowed");
        }
        if (!OPERATORS.contains(op)) {
            throw refuse("operator '" + op + "' (node '" + node.getName() + "') is not one our graphs use; allowed: "
                    + new java.util.TreeSet<>(OPERATORS));
        }
        for (AttributeProto a : node.getAttributeList()) {
            attribute(node, a);
        }
        if (!op.equals("Split") && node.getOutputCount() != 1) {
            throw refuse(op + " node '" + node.getName() + "' has " + node.getOutputCount() + " outputs, 1 expected");
        }
        long[][] out = switch (op) {
            case "Identity", "Sigmoid", "Relu", "Tanh", "Softmax", "Clip", "DequantizeLinear" -> unary(node);
            case "Add", "Sub", "Mul", "Div" -> new long[][] {broadcast(node, arity(node, 2, 2)[0], in(node, 1))};
            case "MatMul" -> new long[][] {matMul(node)};
            case "Gemm" -> new long[][] {gemm(node)};
            case "Split" -> split(node);
            default -> throw new IllegalStateException("allowed operator without a shape rule: " + op);
        };
        if (node.getOutputCount() != out.length) {
            throw refuse(op + " node '" + node.getName() + "' has " + node.getOutputCount() + " outputs, "
                    + out.length + " expected");
        }
        for (int i = 0; i < out.length; i++) {
            long elements = elements(op + " output '" + node.getOutput(i) + "'", out[i]);
            if (!op.equals("MatMul") && !op.equals("Gemm")) {
                work(elements);
            }
            define(node.getOutput(i), out[i]);
        }
    }

    /** Scalars and lists of numbers only: tensors and subgraphs in attributes are for operators we do not allow. */
    private static void attribute(NodeProto node, AttributeProto a) throws ModelRejectedException {
        boolean plain = switch (a.getType()) {
            case INT, FLOAT, INTS, FLOATS, STRING -> true;
            default -> false;
        };
        if (!plain || !a.getRefAttrName().isEmpty() || a.getTensorsCount() > 0 || a.getGraphsCount() > 0
                || a.hasT() || a.hasG() || a.hasSparseTensor() || a.getIntsCount() > MAX_RANK * 4) {
            throw refuse(node.getOpType() + " node '" + node.getName() + "' has attribute '" + a.getName() + "' of type "
                    + a.getType() + "; our graphs use scalar and short list attributes only");
        }
    }

    /** Checks the number of inputs and returns the shape of input 0. */
    private long[][] arity(NodeProto node, int min, int max) throws ModelRejectedException {
        int n = node.getInputCount();
        if (n < min || n > max || !hasInput(node, 0)) {
            throw refuse(node.getOpType() + " node '" + node.getName() + "' has " + n + " inputs, " + min
                    + (max == min ? "" : ".." + max) + " expected");
        }
        for (int i = 1; i < n; i++) {
            if (hasInput(node, i)) in(node, i); // must exist
        }
        return new long[][] {in(node, 0)};
    }

    private long[][] unary(NodeProto node) throws ModelRejectedException {
        int max = switch (node.getOpType()) {
            case "Clip", "DequantizeLinear" -> 3;
            default -> 1;
        };
        return arity(node, node.getOpType().equals("DequantizeLinear") ? 2 : 1, max);
    }

    private long[] broadcast(NodeProto node, long[] a, long[] b) throws ModelRejectedException {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (x != y && x != 1 && y != 1) {
                throw refuse(node.getOpType() + " node '" + node.getName() + "': shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " do not broadcast");
            }
            out[i] = x == 1 ? y : x;
        }
        return out;
    }

    private long[] matMul(NodeProto node) throws ModelRejectedException {
        long[] a = arity(node, 2, 2)[0];
        long[] b = in(node, 1);
        if (a.length == 0 || b.length == 0) {
            throw refuse("MatMul node '" + node.getName() + "' multiplies a scalar");
        }
        long[] a2 = a.length == 1 ? new long[] {1, a[0]} : a;
        long[] b2 = b.length == 1 ? new long[] {b[0], 1} : b;
        long m = a2[a2.length - 2];
        long k = a2[a2.length - 1];
        long n = b2[b2.length - 1];
        if (b2[b2.length - 2] != k) {
            throw refuse("MatMul node '" + node.getName() + "': " + Arrays.toString(a) + " x " + Arrays.toString(b)
                    + " do not match");
        }
        long[] batch = broadcast(node, Arrays.copyOf(a2, a2.length - 2), Arrays.copyOf(b2, b2.length - 2));
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = n;
        long outElements = elements("MatMul output '" + node.getOutput(0) + "'", out);
        work(Math.multiplyExact(outElements, Math.max(k, 1)));
        // numpy drops the dimensions it added to a 1-D operand
        if (a.length == 1 && b.length == 1) return new long[0];
        if (a.length == 1) return dropAt(out, out.length - 2);
        if (b.length == 1) return dropAt(out, out.length - 1);
        return out;
    }

    private static long[] dropAt(long[] shape, int at) {
        long[] out = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != at) out[j++] = shape[i];
        }
        return out;
    }

    private long[] gemm(NodeProto node) throws ModelRejectedException {
        long[] a = arity(node, 2, 3)[0];
        long[] b = in(node, 1);
        if (a.length != 2 || b.length != 2) {
            throw refuse("Gemm node '" + node.getName() + "' needs 2-D A and B, got " + Arrays.toString(a) + " and "
                    + Arrays.toString(b));
        }
        boolean transA = intAttribute(node, "transA", 0) != 0;
        boolean transB = intAttribute(node, "transB", 0) != 0;
        long m = transA ? a[1] : a[0];
        long k = transA ? a[0] : a[1];
        long kb = transB ? b[1] : b[0];
        long n = transB ? b[0] : b[1];
        if (k != kb) {
            throw refuse("Gemm node '" + node.getName() + "': A " + Arrays.toString(a) + (transA ? "'" : "") + " x B "
                    + Arrays.toString(b) + (transB ? "'" : "") + " do not match");
        }
        long[] out = {m, n};
        if (hasInput(node, 2)) {
            long[] c = in(node, 2);
            if (c.length > 2 || !Arrays.equals(broadcast(node, out, c), out)) {
                throw refuse("Gemm node '" + node.getName() + "': C " + Arrays.toString(c) + " does not broadcast to "
                        + Arrays.toString(out));
            }
        }
        long outElements = elements("Gemm output '" + node.getOutput(0) + "'", out);
        work(Math.multiplyExact(outElements, Math.max(k, 1)));
        return out;
    }

    private long[][] split(NodeProto node) throws ModelRejectedException {
        long[] input = arity(node, 1, 2)[0];
        long axis = intAttribute(node, "axis", 0);
        if (axis < -input.length || axis >= input.length) {
            throw refuse("Split node '" + node.getName() + "': axis " + axis + " outside rank " + input.length);
        }
        int a = (int) (axis < 0 ? axis + input.length : axis);
        int parts = node.getOutputCount();
        if (parts < 1 || parts > MAX_NODES) {
            throw refuse("Split node '" + node.getName() + "' has " + parts + " outputs");
        }
        long[] sizes = new long[parts];
        if (hasInput(node, 1)) {
            TensorProto t = initializers.get(node.getInput(1));
            if (t == null) {
                throw refuse("Split node '" + node.getName() + "' takes its sizes from '" + node.getInput(1)
                        + "', which is not a small int64 initializer");
            }
            long[] values = int64Values(t);
            if (values.length != parts) {
                throw refuse("Split node '" + node.getName() + "' has " + parts + " outputs but " + values.length + " sizes");
            }
            sizes = values;
        } else {
            if (input[a] % parts != 0) {
                throw refuse("Split node '" + node.getName() + "': dimension " + input[a] + " does not split into "
                        + parts + " equal parts");
            }
            Arrays.fill(sizes, input[a] / parts);
        }
        long total = 0;
        long[][] out = new long[parts][];
        for (int i = 0; i < parts; i++) {
            if (sizes[i] < 0) {
                throw refuse("Split node '" + node.getName() + "' has a negative size " + sizes[i]);
            }
            total += sizes[i];
            out[i] = input.clone();
            out[i][a] = sizes[i];
        }
        if (total != input[a]) {
            throw refuse("Split node '" + node.getName() + "': sizes " + Arrays.toString(sizes) + " do not add up to "
                    + input[a]);
        }
        return out;
    }

    private static long[] int64Values(TensorProto t) {
        if (t.getRawData().isEmpty()) {
            return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
        }
        ByteString raw = t.getRawData();
        long[] values = new long[raw.size() / Long.BYTES];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(values);
        return values;
    }

    private static long intAttribute(NodeProto node, String name, long fallback) {
        for (AttributeProto a : node.getAttributeList()) {
            if (a.getName().equals(name)) return a.getI();
        }
        return fallback;
    }

    private void work(long multiplyAdds) throws ModelRejectedException {
        this.multiplyAdds += multiplyAdds;
        if (this.multiplyAdds > MAX_MULTIPLY_ADDS) {
            throw refuse("one run of the graph would take more than " + MAX_MULTIPLY_ADDS + " multiply-adds");
        }
    }

    /** The element count of a shape, refused when negative, too high a rank or above {@link #MAX_TENSOR_ELEMENTS}. */
    private static long elements(String what, long[] dims) throws ModelRejectedException {
        if (dims.length > MAX_RANK) {
            throw refuse(what + " has rank " + dims.length + ", more than " + MAX_RANK);
        }
        long n = 1;
        for (long d : dims) {
            if (d < 0) {
                throw refuse(what + " has a negative dimension in " + Arrays.toString(dims));
            }
            // d <= MAX and n <= MAX, so the product fits in a long before it is compared
            if (d > MAX_TENSOR_ELEMENTS || (n = n * d) > MAX_TENSOR_ELEMENTS) {
                throw refuse(what + " declares " + Arrays.toString(dims) + ", more than the " + MAX_TENSOR_ELEMENTS
                        + " elements allowed in one tensor");
            }
        }
        return n;
    }
}
