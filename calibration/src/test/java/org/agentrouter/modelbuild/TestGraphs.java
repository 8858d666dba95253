package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.INPUT_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.INPUT_QUERY;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.OUTPUT_P_STRONG;
import static org.agentrouter.features.FeatureLayout.OUTPUT_RELEVANCE;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;
import static org.tribuo.util.onnx.ONNXOperators.GEMM;
import static org.tribuo.util.onnx.ONNXOperators.SIGMOID;

import ai.onnx.proto.OnnxMl;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;

/** Small graphs that break one rule of the contract each, or use a part of it the seed does not. */
final class TestGraphs {
    private TestGraphs() {}

    /**
     * relevance = candidates x (weight, ..., weight)', unclipped; p_strong = sigmoid(mean relevance).
     *
     * @param fixShapes false keeps Tribuo's symbolic batch dimension
     */
    static byte[] linear(int width, float weight, boolean fixShapes) {
        ONNXContext graph = new ONNXContext();
        ONNXPlaceholder candidates = graph.floatInput(INPUT_CANDIDATES, width);
        ONNXPlaceholder relevanceOut = graph.floatOutput(OUTPUT_RELEVANCE, 1);
        ONNXPlaceholder pStrongOut = graph.floatOutput(OUTPUT_P_STRONG, 1);

        ONNXNode relevance = candidates.apply(GEMM, filled(graph, "w", width, weight));
        relevance.assignTo(relevanceOut);
        relevance.apply(GEMM, filled(graph, "mean", MAX_CANDIDATES, 1f / MAX_CANDIDATES), Map.of("transA", 1))
                .apply(SIGMOID)
                .assignTo(pStrongOut);

        if (!fixShapes) {
            return OnnxMl.ModelProto.newBuilder()
                    .setIrVersion(7)
                    .addOpsetImport(ONNXOperators.getOpsetProto())
                    .setGraph(graph.buildGraph())
                    .build()
                    .toByteArray();
        }
        return FixedShapeModel.serialize(graph,
                Map.of(INPUT_CANDIDATES, new long[] {MAX_CANDIDATES, width},
                        OUTPUT_RELEVANCE, new long[] {MAX_CANDIDATES, 1},
                        OUTPUT_P_STRONG, new long[] {1, 1}),
                "test graph", Map.of());
    }

    /** Reads both inputs: relevance = 0.5 everywhere, p_strong = sigmoid(query x queryWeights). */
    static byte[] queryLogistic(float[] queryWeights) {
        ONNXContext graph = new ONNXContext();
        ONNXPlaceholder candidates = graph.floatInput(INPUT_CANDIDATES, CANDIDATE_WIDTH);
        ONNXPlaceholder query = graph.floatInput(INPUT_QUERY, QUERY_WIDTH);
        ONNXPlaceholder relevanceOut = graph.floatOutput(OUTPUT_RELEVANCE, 1);
        ONNXPlaceholder pStrongOut = graph.floatOutput(OUTPUT_P_STRONG, 1);

        candidates.apply(GEMM, filled(graph, "zero", CANDIDATE_WIDTH, 0f)).apply(SIGMOID).assignTo(relevanceOut);
        query.apply(GEMM, graph.floatTensor("qw", List.of(QUERY_WIDTH, 1), b -> b.put(queryWeights)))
                .apply(SIGMOID)
                .assignTo(pStrongOut);

        return FixedShapeModel.serialize(graph,
                Map.of(INPUT_CANDIDATES, new long[] {MAX_CANDIDATES, CANDIDATE_WIDTH},
                        INPUT_QUERY, new long[] {1, QUERY_WIDTH},
                        OUTPUT_RELEVANCE, new long[] {MAX_CANDIDATES, 1},
                        OUTPUT_P_STRONG, new long[] {1, 1}),
                "test graph", Map.of());
    }

    private static ONNXInitializer filled(ONNXContext graph, String name, int rows, float value) {
        float[] values = new float[rows];
        Arrays.fill(values, value);
        return graph.floatTensor(name, List.of(rows, 1), b -> b.put(values));
    }
}
