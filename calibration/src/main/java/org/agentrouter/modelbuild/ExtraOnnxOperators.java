package org.agentrouter.modelbuild;

import ai.onnx.proto.OnnxMl;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

/**
 * Standard ONNX operators that Tribuo's {@link ONNXOperators} does not list, at Tribuo's opset so that one
 * opset import covers the whole graph. Add an operator here only when a graph needs it.
 */
final class ExtraOnnxOperators {
    private ExtraOnnxOperators() {}

    /** Clip(input, min, max) element-wise; min and max are optional scalar inputs (opset 11 and later). */
    static final ONNXOperator CLIP = new Operator("Clip", 1, 2, 1, Map.of());

    /** MatMul(a, b), numpy-style; used where Gemm's 2-D-only rule does not fit. */
    static final ONNXOperator MATMUL = new Operator("MatMul", 2, 0, 1, Map.of());

    static final ONNXOperator RELU = new Operator("Relu", 1, 0, 1, Map.of());

    static final ONNXOperator TANH = new Operator("Tanh", 1, 0, 1, Map.of());

    /**
     * DequantizeLinear(x int8, scale[, zero_point]) = (x - zero_point) * scale; per tensor at opset 13. On a
     * constant input ONNX Runtime folds it when the session is created, so it costs nothing per run.
     */
    static final ONNXOperator DEQUANTIZE_LINEAR = new Operator("DequantizeLinear", 2, 1, 1, Map.of());

    /**
     * Split(input[, sizes]) into {@code parts} equal pieces along attribute {@code axis}. An operator
     * instance per output count, because Tribuo checks the number of outputs against the operator.
     */
    static ONNXOperator split(int parts) {
        return new Operator("Split", 1, 1, parts,
                Map.of("axis", new ONNXAttribute("axis", OnnxMl.AttributeProto.AttributeType.INT, false)));
    }

    private record Operator(String name, int inputs, int optionalInputs, int outputs,
            Map<String, ONNXAttribute> attributes) implements ONNXOperator {

        @Override
        public String getOpName() {
            return name;
        }

        @Override
        public int getNumInputs() {
            return inputs;
        }

        @Override
        public int getNumOptionalInputs() {
            return optionalInputs;
        }

        @Override
        public int getNumOutputs() {
            return outputs;
        }

        @Override
        public Map<String, ONNXAttribute> getAttributes() {
            return attributes;
        }

        @Override
        public Set<String> getMandatoryAttributeNames() {
            return Set.of();
        }

        @Override
        public int getOpVersion() {
            return ONNXOperators.getOpsetVersion();
        }

        /** Null = the default ONNX domain, which is how Tribuo marks its own standard operators. */
        @Override
        public String getOpDomain() {
            return null;
        }

        @Override
        public OnnxMl.OperatorSetIdProto opsetProto() {
            return ONNXOperators.getOpsetProto();
        }
    }
}
