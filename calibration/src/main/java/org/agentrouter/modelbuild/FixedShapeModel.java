package org.agentrouter.modelbuild;

import ai.onnx.proto.OnnxMl;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;

/**
 * Turns a Tribuo-built graph into serialized ONNX model bytes with fixed tensor shapes.
 *
 * <p>Tribuo declares every graph input and output as [batch, n] with a symbolic batch dimension. The
 * router's contract ({@link org.agentrouter.features.FeatureLayout}) fixes all shapes, and the scorer
 * refuses symbolic ones, so every graph input and output is re-declared here with the exact shape.
 *
 * <p>Tribuo also names a graph output only through an Identity node ({@code assignTo}); ONNX Runtime
 * keeps such a node when its source has other consumers, and every node costs about a microsecond per
 * run at this size, so the Identity is folded into the node that produces its source.
 */
final class FixedShapeModel {
    /** IR version 7 is the one that goes with opset 13, the opset Tribuo's operators target. */
    private static final long IR_VERSION = 7;

    private FixedShapeModel() {}

    /**
     * @param shapes the exact shape of every graph input and output, by name; a name missing here (or
     *     named here but absent from the graph) is a programming error
     * @param metadata key/value pairs ONNX Runtime exposes as the model's custom metadata
     */
    static byte[] serialize(ONNXContext context, Map<String, long[]> shapes, String docString,
            Map<String, String> metadata) {
        return serialize(context.buildGraph(), shapes, docString, metadata);
    }

    /** As {@link #serialize(ONNXContext, Map, String, Map)} for a graph already built (and perhaps rewritten). */
    static byte[] serialize(OnnxMl.GraphProto built, Map<String, long[]> shapes, String docString,
            Map<String, String> metadata) {
        OnnxMl.GraphProto graph = foldOutputIdentities(built);
        OnnxMl.GraphProto.Builder fixed = graph.toBuilder();
        Set<String> unused = new HashSet<>(shapes.keySet());
        for (int i = 0; i < graph.getInputCount(); i++) {
            fixed.setInput(i, withShape(graph.getInput(i), shapes, unused));
        }
        for (int i = 0; i < graph.getOutputCount(); i++) {
            fixed.setOutput(i, withShape(graph.getOutput(i), shapes, unused));
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException("shapes given for tensors the graph does not declare: " + unused);
        }
        OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(ONNXOperators.getOpsetProto())
                .setProducerName("agent-router")
                .setDomain("org.agentrouter")
                .setDocString(docString)
                .setGraph(fixed);
        // Sorted: the caller's map may iterate in a different order in every JVM, and the model's bytes
        // (hence its sha256) must be reproducible.
        new java.util.TreeMap<>(metadata).forEach((key, value) -> model.addMetadataProps(
                OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build().toByteArray();
    }

    /** Replaces {@code y = Identity(x)}, y a graph output, by renaming x to y everywhere. */
    static OnnxMl.GraphProto foldOutputIdentities(OnnxMl.GraphProto graph) {
        Set<String> outputs = new HashSet<>();
        graph.getOutputList().forEach(o -> outputs.add(o.getName()));
        Set<String> notRenamable = new HashSet<>(outputs); // graph inputs, outputs and constants keep their names
        graph.getInputList().forEach(i -> notRenamable.add(i.getName()));
        graph.getInitializerList().forEach(i -> notRenamable.add(i.getName()));

        OnnxMl.GraphProto result = graph;
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("Identity") && outputs.contains(node.getOutput(0))
                    && !notRenamable.contains(node.getInput(0))) {
                result = withoutIdentity(result, node);
            }
        }
        return result;
    }

    private static OnnxMl.GraphProto withoutIdentity(OnnxMl.GraphProto graph, OnnxMl.NodeProto identity) {
        String from = identity.getInput(0);
        String to = identity.getOutput(0);
        OnnxMl.GraphProto.Builder rewritten = graph.toBuilder().clearNode();
        for (OnnxMl.NodeProto node : graph.getNodeList()) {
            if (node.equals(identity)) {
                continue;
            }
            OnnxMl.NodeProto.Builder renamed = node.toBuilder();
            for (int i = 0; i < node.getInputCount(); i++) {
                if (node.getInput(i).equals(from)) {
                    renamed.setInput(i, to);
                }
            }
            for (int i = 0; i < node.getOutputCount(); i++) {
                if (node.getOutput(i).equals(from)) {
                    renamed.setOutput(i, to);
                }
            }
            rewritten.addNode(renamed);
        }
        return rewritten.build();
    }

    private static OnnxMl.ValueInfoProto withShape(OnnxMl.ValueInfoProto value, Map<String, long[]> shapes,
            Set<String> unused) {
        long[] dims = shapes.get(value.getName());
        if (dims == null) {
            throw new IllegalArgumentException("no fixed shape given for graph tensor '" + value.getName() + "'");
        }
        unused.remove(value.getName());
        OnnxMl.TensorShapeProto.Builder shape = OnnxMl.TensorShapeProto.newBuilder();
        for (long dim : dims) {
            shape.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        OnnxMl.TypeProto.Tensor tensor = value.getType().getTensorType().toBuilder().setShape(shape).build();
        return value.toBuilder().setType(OnnxMl.TypeProto.newBuilder().setTensorType(tensor)).build();
    }
}
