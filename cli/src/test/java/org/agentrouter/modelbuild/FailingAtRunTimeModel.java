package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.INPUT_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.INPUT_QUERY;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.OUTPUT_P_STRONG;
import static org.agentrouter.features.FeatureLayout.OUTPUT_RELEVANCE;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;
import static org.agentrouter.features.FeatureLayout.Q_CANDIDATE_FILL;
import static org.tribuo.util.onnx.ONNXOperators.GEMM;
import static org.tribuo.util.onnx.ONNXOperators.MUL;
import static org.tribuo.util.onnx.ONNXOperators.SIGMOID;

import java.util.List;
import java.util.Map;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXPlaceholder;

/**
 * A model that passes every check of a release, the dry run included, and fails on real traffic:
 * p_strong = 4.5 f (1 - f) with f the candidate fill (candidates / 128). The dry run probes fills 0, 1, 37
 * and 128 candidates, where it stays within [0, 1] (at most 0.92); a query with 42 to 86 candidates gets
 * p_strong > 1, which the scorer refuses as a scoring failure. Relevance is 0.5 everywhere.
 * In this package for the package-private {@link FixedShapeModel}.
 */
public final class FailingAtRunTimeModel {
    private FailingAtRunTimeModel() {}

    public static byte[] build() {
        ONNXContext graph = new ONNXContext();
        ONNXPlaceholder candidates = graph.floatInput(INPUT_CANDIDATES, CANDIDATE_WIDTH);
        ONNXPlaceholder query = graph.floatInput(INPUT_QUERY, QUERY_WIDTH);
        ONNXPlaceholder relevanceOut = graph.floatOutput(OUTPUT_RELEVANCE, 1);
        ONNXPlaceholder pStrongOut = graph.floatOutput(OUTPUT_P_STRONG, 1);

        candidates.apply(GEMM, graph.floatTensor("zero", List.of(CANDIDATE_WIDTH, 1), b -> {
            for (int i = 0; i < CANDIDATE_WIDTH; i++) b.put(0f);
        })).apply(SIGMOID).assignTo(relevanceOut);

        float[] scaledFill = new float[QUERY_WIDTH];
        scaledFill[Q_CANDIDATE_FILL] = 4.5f;
        float[] minusFill = new float[QUERY_WIDTH];
        minusFill[Q_CANDIDATE_FILL] = -1f;
        ONNXNode scaled = query.apply(GEMM, graph.floatTensor("scaled_fill", List.of(QUERY_WIDTH, 1), b -> b.put(scaledFill)));
        ONNXNode rest = graph.operation(GEMM,
                List.of(query, graph.floatTensor("minus_fill", List.of(QUERY_WIDTH, 1), b -> b.put(minusFill)),
                        graph.floatTensor("one", List.of(1, 1), b -> b.put(1f))),
                "one_minus_fill", Map.of());
        scaled.apply(MUL, rest, "p_strong_unchecked").assignTo(pStrongOut);

        return FixedShapeModel.serialize(graph,
                Map.of(INPUT_CANDIDATES, new long[] {MAX_CANDIDATES, CANDIDATE_WIDTH},
                        INPUT_QUERY, new long[] {1, QUERY_WIDTH},
                        OUTPUT_RELEVANCE, new long[] {MAX_CANDIDATES, 1},
                        OUTPUT_P_STRONG, new long[] {1, 1}),
                "fails at run time (test)", Map.of());
    }
}
