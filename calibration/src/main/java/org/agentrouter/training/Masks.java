package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.C_CHEAP_OUTCOME;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.C_STRONG_OUTCOME;

import ai.djl.ndarray.NDArray;
import org.agentrouter.modelbuild.TrainedRouterGraphs;

/** Per-candidate terms the graphs compute from fixed columns, in the same float arithmetic. */
final class Masks {
    private Masks() {}

    /** [B, 128]: 1 for a retrieved memory, 0 for padding. */
    static NDArray present(NDArray x) {
        return x.get(":, :, " + C_PRESENT);
    }

    /** [B, 128]: present * 1e4 - 1e4, i.e. 0 or -1e4, added to attention logits. */
    static NDArray paddingLogit(NDArray x) {
        return present(x).mul(TrainedRouterGraphs.PADDING_PENALTY).sub(TrainedRouterGraphs.PADDING_PENALTY);
    }

    /** [B, 128]: strong outcome - cheap outcome; 0 on padding and on unknown outcomes (0.5 both). */
    static NDArray gain(NDArray x) {
        return x.get(":, :, " + C_STRONG_OUTCOME).sub(x.get(":, :, " + C_CHEAP_OUTCOME));
    }
}
