package org.agentrouter.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtEnvironment;
import com.google.protobuf.ByteString;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Each rule of the graph check on the shipped graph with one thing changed, every sha256 recomputed: the check names
 * what is wrong, and a release carrying such bytes is refused with rule "graph" before ONNX Runtime sees them.
 */
class OnnxGraphCheckTest {

    private static String refusal(Consumer<OnnxMl.ModelProto.Builder> change) {
        byte[] bytes = ShippedGraph.with(change);
        ModelRejectedException e = assertThrows(ModelRejectedException.class, () -> OnnxGraphCheck.check(bytes));
        assertEquals(OnnxGraphCheck.RULE, e.rule());
        ModelRejectedException served = assertThrows(ModelRejectedException.class,
                () -> ServedModel.accept(OrtEnvironment.getEnvironment(), ShippedGraph.releaseOf(bytes)));
        assertEquals(OnnxGraphCheck.RULE, served.rule(), "the acceptance path refuses it with the same rule");
        return e.getMessage();
    }

    private static void assertRefused(String expected, Consumer<OnnxMl.ModelProto.Builder> change) {
        String message = refusal(change);
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + message);
    }

    /** The first initializer of the shipped graph (per_candidate_weights, [11 x 5] float32 in raw data). */
    private static TensorProto.Builder weights(OnnxMl.ModelProto.Builder m) {
        return m.getGraphBuilder().getInitializerBuilder(0);
    }

    @Test
    void theShippedGraphPasses() throws Exception {
        OnnxGraphCheck.Summary s = OnnxGraphCheck.check(ShippedGraph.bytes());
        assertEquals(ShippedGraph.proto().getGraph().getNodeCount(), s.nodes());
        assertTrue(s.parameters() > 0 && s.multiplyAdds() > 0 && s.multiplyAdds() < 1_000_000, s.toString());
    }

    @Test
    void bytesThatAreNotAModelAreRefused() {
        for (byte[] junk : new byte[][] {"this is not an ONNX graph".getBytes(), {(byte) 0xff, (byte) 0xff, 0x7f}, new byte[0]}) {
            ModelRejectedException e = assertThrows(ModelRejectedException.class, () -> OnnxGraphCheck.check(junk));
            assertEquals(OnnxGraphCheck.RULE, e.rule());
        }
    }

    @Test
    void versionsAndDomainsOutsideWhatOurGraphsUseAreRefused() {
        assertRefused("IR version 3", m -> m.setIrVersion(3));
        assertRefused("IR version 99", m -> m.setIrVersion(99));
        assertRefused("opset 7", m -> m.setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(7)));
        assertRefused("imports operator domain 'com.microsoft'", m -> m.addOpsetImport(
                OnnxMl.OperatorSetIdProto.newBuilder().setDomain("com.microsoft").setVersion(1)));
        assertRefused("of domain 'com.microsoft'", m -> m.getGraphBuilder().getNodeBuilder(0).setDomain("com.microsoft"));
        assertRefused("local functions", m -> m.addFunctions(OnnxMl.FunctionProto.newBuilder().setName("f")));
    }

    @Test
    void anOperatorOurGraphsDoNotUseIsRefused() {
        for (String op : new String[] {"Loop", "ConstantOfShape", "Expand", "Resize", "NonZero", "MyCustomOp"}) {
            assertRefused("operator '" + op + "'", m -> m.getGraphBuilder().getNodeBuilder(0).setOpType(op));
        }
    }

    @Test
    void externalDataIsRefusedBeforeAnyFileIsOpened() {
        assertRefused("refers to external data", m -> weights(m).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("/etc/passwd")));
        assertRefused("refers to external data", m -> weights(m)
                .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue("weights.bin")));
    }

    @Test
    void aDeclaredSizeIsCheckedWithoutAllocatingIt() {
        // 2^62 x 4 bytes would be the allocation; the check multiplies counts only.
        assertRefused("more than the 4194304 elements", m -> weights(m).setDims(0, 1L << 62));
        assertRefused("more than the 4194304 elements", m -> weights(m).setDims(0, 1L << 31).setDims(1, 1L << 31));
        assertRefused("negative dimension", m -> weights(m).setDims(0, -11));
        TensorProto first = ShippedGraph.proto().getGraph().getInitializer(0);
        long rows = first.getDims(0);
        assertRefused("declares [" + rows + ", 6] (" + rows * 6 + " elements) but carries " + first.getRawData().size()
                + " raw bytes, " + rows * 6 * 4 + " expected", m -> weights(m).setDims(1, 6));
        assertRefused("carries both raw and typed data", m -> weights(m).addFloatData(1f));
        assertRefused("element type 11", m -> weights(m).setDataType(TensorProto.DataType.DOUBLE_VALUE));
        assertRefused("has rank 9", m -> weights(m).clearDims().addAllDims(java.util.List.of(1L, 1L, 1L, 1L, 1L, 1L, 1L, 11L, 5L)));
    }

    @Test
    void totalParametersAndNodesAreBounded() {
        // 5 initializers of 4M elements each, a byte each (int8): 20 MB of model, over 16M parameters.
        assertRefused("more than 16777216 parameters", m -> {
            for (int i = 0; i < 5; i++) {
                m.getGraphBuilder().addInitializer(TensorProto.newBuilder().setName("big" + i).addDims(1 << 22)
                        .setDataType(TensorProto.DataType.INT8_VALUE).setRawData(ByteString.copyFrom(new byte[1 << 22])));
            }
        });
        assertRefused("nodes, more than the 5000 allowed", m -> {
            for (int i = 0; i < OnnxGraphCheck.MAX_NODES; i++) {
                m.getGraphBuilder().addNode(NodeProto.newBuilder().setOpType("Identity").addInput("candidates").addOutput("copy" + i));
            }
        });
    }

    @Test
    void anIntermediateTensorOrARunTooLargeIsRefusedFromTheInferredShapes() {
        // An outer product [2^21 x 1] x [1 x 2^21]: small parameters (2 x 2M int8), a 2^42-element result.
        assertRefused("more than the 4194304 elements", m -> {
            OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
            g.addInitializer(TensorProto.newBuilder().setName("col").addDims(1 << 21).addDims(1)
                    .setDataType(TensorProto.DataType.INT8_VALUE).setRawData(ByteString.copyFrom(new byte[1 << 21])));
            g.addInitializer(TensorProto.newBuilder().setName("row").addDims(1).addDims(1 << 21)
                    .setDataType(TensorProto.DataType.INT8_VALUE).setRawData(ByteString.copyFrom(new byte[1 << 21])));
            g.addNode(NodeProto.newBuilder().setOpType("MatMul").addInput("col").addInput("row").addOutput("outer"));
        });
        // 400 products of [128 x 388] x [388 x 388]: each tensor is small, the run is not.
        assertRefused("multiply-adds", m -> {
            OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
            g.addInitializer(TensorProto.newBuilder().setName("square").addDims(388).addDims(388)
                    .setDataType(TensorProto.DataType.INT8_VALUE).setRawData(ByteString.copyFrom(new byte[388 * 388])));
            g.addInitializer(TensorProto.newBuilder().setName("wide").addDims(128).addDims(388)
                    .setDataType(TensorProto.DataType.INT8_VALUE).setRawData(ByteString.copyFrom(new byte[128 * 388])));
            for (int i = 0; i < 400; i++) {
                g.addNode(NodeProto.newBuilder().setOpType("MatMul").addInput("wide").addInput("square").addOutput("p" + i));
            }
        });
        assertRefused("do not match", m -> m.getGraphBuilder().addNode(NodeProto.newBuilder().setOpType("MatMul")
                .addInput("candidates").addInput("candidates").addOutput("bad")));
    }

    @Test
    void theGraphMustBeWellFormed() {
        assertRefused("which nothing before it defines", m -> {
            OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
            NodeProto first = g.getNode(0);
            g.removeNode(0).addNode(first); // out of topological order
        });
        assertRefused("is defined twice", m -> m.getGraphBuilder().addNode(NodeProto.newBuilder().setOpType("Identity")
                .addInput("candidates").addOutput(m.getGraph().getInitializer(0).getName())));
        assertRefused("attribute 'value' of type TENSOR", m -> m.getGraphBuilder().getNodeBuilder(0).addAttribute(
                OnnxMl.AttributeProto.newBuilder().setName("value").setType(OnnxMl.AttributeProto.AttributeType.TENSOR)
                        .setT(TensorProto.newBuilder().setDataType(1).addDims(1).addFloatData(1f))));
        assertRefused("sparse initializers", m -> m.getGraphBuilder().addSparseInitializer(OnnxMl.SparseTensorProto.newBuilder()));
    }

    @Test
    void inputsAndOutputsMustBeTheServingContract() {
        assertRefused("graph input 'candidates' is declared [128, -1]", m -> m.getGraphBuilder().getInputBuilder(0)
                .getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(1).clearDimValue().setDimParam("n"));
        assertRefused("graph input 'candidates' is declared [64, " + org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH + "]",
                m -> m.getGraphBuilder().getInputBuilder(0)
                .getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0).setDimValue(64));
        assertRefused("has element type 11, not float32", m -> m.getGraphBuilder().getInputBuilder(0)
                .getTypeBuilder().getTensorTypeBuilder().setElemType(TensorProto.DataType.DOUBLE_VALUE));
        assertRefused("graph input 'secret' is not part of the contract", m -> m.getGraphBuilder().addInput(
                m.getGraph().getInput(0).toBuilder().setName("secret")));
        assertRefused("graph has no output 'p_strong'", m -> {
            OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
            for (int i = 0; i < g.getOutputCount(); i++) {
                if (g.getOutput(i).getName().equals("p_strong")) {
                    g.removeOutput(i);
                    break;
                }
            }
        });
        assertRefused("output 'relevance' is computed as [128, " + org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH
                + "] but declared [128, 1]", m -> {
            OnnxMl.GraphProto.Builder g = m.getGraphBuilder();
            for (int i = 0; i < g.getNodeCount(); i++) {
                NodeProto.Builder n = g.getNodeBuilder(i);
                for (int o = 0; o < n.getOutputCount(); o++) {
                    if (n.getOutput(o).equals("relevance")) n.setOutput(o, "relevance_inner");
                }
                for (int in = 0; in < n.getInputCount(); in++) {
                    if (n.getInput(in).equals("relevance")) n.setInput(in, "relevance_inner");
                }
            }
            g.addNode(NodeProto.newBuilder().setOpType("Sigmoid").addInput("candidates").addOutput("relevance"));
        });
    }
}
