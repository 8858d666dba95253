package org.agentrouter.training;

import ai.djl.ndarray.NDArray;
import java.util.Map;
import java.util.Random;

/**
 * A trainable router: its parameters, its forward pass in PyTorch (batched, for training) and the same
 * function as an ONNX graph under the serving contract (for the job and for evaluation).
 */
public interface RouterNetwork {
    /** Short name, used in reports and as the release name. */
    String name();

    Weights initialWeights(Random random);

    /**
     * @param candidates [batch, MAX_CANDIDATES, CANDIDATE_WIDTH]
     * @param query [batch, QUERY_WIDTH] when {@link #readsQuery()}, else null
     * @return the p_strong logit per prompt, [batch]
     */
    NDArray logit(Map<String, NDArray> weights, NDArray candidates, NDArray query);

    /** Whether the model reads the contract's {@code query} input (the query embedding and text signals). */
    default boolean readsQuery() {
        return false;
    }

    /** Called after every optimiser step: projections such as the FastGRNN's sparsity. */
    default void constrain(Weights weights, int epoch, int epochs) {}

    byte[] onnx(Weights weights, boolean int8, Map<String, String> metadata);

    /** Hyper-parameters, for the release metadata. */
    Map<String, String> describe();
}
