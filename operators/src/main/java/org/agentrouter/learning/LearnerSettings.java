package org.agentrouter.learning;

import java.io.Serializable;
import java.util.Arrays;

/**
 * How a namespace's learner decides (serializable: it travels with the job graph).
 *
 * <p>Stages: a namespace is in stage s while it has between {@code stageStarts[s]} and {@code stageStarts[s+1]}
 * outcomes; each stage has its own threshold on the learned p_strong (cheap below it), calibrated on replays of
 * namespaces the router never served (subjects of the public outcome data, each scored against a memory
 * without it), so that the threshold of a stage knows how little a namespace in that stage knows. Stage 0 (no
 * outcomes) is the prior alone.
 *
 * @param priorWeight pseudo-queries behind the prior p_strong when it is blended with the namespace's own rate
 * @param weakWrongGivenStrongRight P(W=0 | S=1) on the public data, for what a strong answer alone cannot show
 * @param strongRightGivenWeakWrong P(S=1 | W=0) on the public data, for what a cheap answer alone cannot show
 * @param stageStarts ascending, first 0
 * @param cheapBelow per stage: route cheap when the learned p_strong is below it
 * @param probeShare share of strong decisions that also ask for the cheap model's outcome (costs the cheap call)
 * @param probeUntil probes go at full share until the namespace has this many outcomes, then fall as probeUntil / n
 * @param seed probes are drawn from a hash of the query id and this seed: the same stream gets the same probes
 */
public record LearnerSettings(double priorWeight, double weakWrongGivenStrongRight, double strongRightGivenWeakWrong,
                              int[] stageStarts, double[] cheapBelow, double probeShare, int probeUntil, long seed)
        implements Serializable {

    public static final int[] DEFAULT_STAGES = {0, 10, 25, 50, 100, 200, 400};

    public LearnerSettings {
        if (stageStarts.length == 0 || stageStarts[0] != 0) throw new IllegalArgumentException("stages must start at 0");
        if (cheapBelow.length != stageStarts.length) {
            throw new IllegalArgumentException(stageStarts.length + " stages but " + cheapBelow.length + " thresholds");
        }
        for (int i = 1; i < stageStarts.length; i++) {
            if (stageStarts[i] <= stageStarts[i - 1]) throw new IllegalArgumentException("stages must ascend: " + Arrays.toString(stageStarts));
        }
        if (!(probeShare >= 0 && probeShare <= 1)) throw new IllegalArgumentException("probe share must be in [0, 1]");
    }

    public int stageOf(int outcomes) {
        int s = 0;
        while (s + 1 < stageStarts.length && outcomes >= stageStarts[s + 1]) s++;
        return s;
    }

    public LearnerSettings withThresholds(double[] thresholds) {
        return new LearnerSettings(priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                thresholds.clone(), probeShare, probeUntil, seed);
    }

    public LearnerSettings withProbes(double share, int until) {
        return new LearnerSettings(priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                cheapBelow, share, until, seed);
    }

    public LearnerSettings withSeed(long newSeed) {
        return new LearnerSettings(priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                cheapBelow, probeShare, probeUntil, newSeed);
    }
}
