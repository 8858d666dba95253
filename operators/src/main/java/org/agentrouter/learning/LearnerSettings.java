package org.agentrouter.learning;

import java.io.Serializable;
import java.util.Arrays;

/**
 * How a namespace's learner decides (serializable: it travels with the job graph).
 *
 * <p>Stages: a namespace is in stage s while it has between {@code stageStarts[s]} and {@code stageStarts[s+1]}
 * outcomes; each stage has its own threshold on the learned p_strong (cheap below it) per calibrated alpha, fitted on
 * replays of namespaces the router never served (subjects of the public outcome data, each scored by a prior that
 * never saw it), so the threshold of a stage knows how little a namespace in that stage knows. Stage 0 (no outcomes)
 * is the prior alone.
 *
 * @param prior the shared prior of a query from a namespace that has taught nothing yet
 * @param priorWeight pseudo-queries behind the prior p_strong when it is blended with the namespace's own rate
 * @param weakWrongGivenStrongRight P(W=0 | S=1) on the public data, for what a strong answer alone cannot show
 * @param strongRightGivenWeakWrong P(S=1 | W=0) on the public data, for what a cheap answer alone cannot show
 * @param stageStarts ascending, first 0
 * @param alphas the calibrated alphas, ascending
 * @param cheapBelow [alpha][stage]: route cheap when the learned p_strong is below it
 * @param cheapShare at most this share of a namespace's queries go cheap, whatever its score: the rest of those below
 *                   the threshold go strong, drawn by a hash of the query id (within a namespace nothing separates the
 *                   queries that need the strong model, so the draw loses nothing a ranking would have kept, and it caps
 *                   what one namespace that looked easy can do to the pooled rate of a small set of namespaces)
 * @param probeShare share of strong decisions that also ask for the cheap model's outcome (costs the cheap call)
 * @param probeUntil probes go at full share until the namespace has this many outcomes, then fall as probeUntil / n
 * @param seed probes are drawn from a hash of the query id and this seed: the same stream gets the same probes
 */
public record LearnerSettings(SharedPrior prior, double priorWeight, double weakWrongGivenStrongRight,
                              double strongRightGivenWeakWrong, int[] stageStarts, double[] alphas, double[][] cheapBelow,
                              double cheapShare, double probeShare, int probeUntil, long seed) implements Serializable {

    public static final int[] DEFAULT_STAGES = {0, 10, 25, 50, 100, 200};

    public LearnerSettings {
        if (prior == null) throw new IllegalArgumentException("a learner needs a prior");
        if (!(priorWeight > 0)) throw new IllegalArgumentException("prior weight must be > 0, got " + priorWeight);
        if (stageStarts.length == 0 || stageStarts[0] != 0) throw new IllegalArgumentException("stages must start at 0");
        for (int i = 1; i < stageStarts.length; i++) {
            if (stageStarts[i] <= stageStarts[i - 1]) throw new IllegalArgumentException("stages must ascend: " + Arrays.toString(stageStarts));
        }
        if (alphas.length == 0 || alphas.length != cheapBelow.length) {
            throw new IllegalArgumentException(alphas.length + " alphas but " + cheapBelow.length + " threshold rows");
        }
        for (int a = 0; a < alphas.length; a++) {
            if (!(alphas[a] > 0 && alphas[a] < 1) || (a > 0 && alphas[a] <= alphas[a - 1])) {
                throw new IllegalArgumentException("alphas must ascend within (0, 1): " + Arrays.toString(alphas));
            }
            if (cheapBelow[a].length != stageStarts.length) {
                throw new IllegalArgumentException(stageStarts.length + " stages but " + cheapBelow[a].length + " thresholds at alpha " + alphas[a]);
            }
            for (double t : cheapBelow[a]) if (!(t >= 0 && t <= 1)) throw new IllegalArgumentException("thresholds must be in [0, 1]");
        }
        if (!(cheapShare > 0 && cheapShare <= 1)) throw new IllegalArgumentException("cheap share must be in (0, 1]");
        if (!(probeShare >= 0 && probeShare <= 1)) throw new IllegalArgumentException("probe share must be in [0, 1]");
        if (probeUntil < 0) throw new IllegalArgumentException("probe-until must be >= 0");
    }

    /** One alpha: the replay's calibration. */
    public static LearnerSettings single(SharedPrior prior, double priorWeight, double weakWrongGivenStrongRight,
                                         double strongRightGivenWeakWrong, int[] stageStarts, double alpha, double[] cheapBelow,
                                         double cheapShare, double probeShare, int probeUntil, long seed) {
        return new LearnerSettings(prior, priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                new double[] {alpha}, new double[][] {cheapBelow.clone()}, cheapShare, probeShare, probeUntil, seed);
    }

    public int stageOf(int outcomes) {
        int s = 0;
        while (s + 1 < stageStarts.length && outcomes >= stageStarts[s + 1]) s++;
        return s;
    }

    /** Index of the largest calibrated alpha that is at most {@code wanted} (the nearest at least as strict), or -1. */
    public int alphaIndex(double wanted) {
        int best = -1;
        for (int i = 0; i < alphas.length; i++) if (alphas[i] <= wanted + 1e-12) best = i;
        return best;
    }

    /** The thresholds of the first alpha replaced (the replay calibrates one alpha). */
    public LearnerSettings withThresholds(double[] thresholds) {
        double[][] t = cheapBelow.clone();
        t[0] = thresholds.clone();
        return new LearnerSettings(prior, priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                alphas, t, cheapShare, probeShare, probeUntil, seed);
    }

    public LearnerSettings withProbes(double share, int until) {
        return new LearnerSettings(prior, priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                alphas, cheapBelow, cheapShare, share, until, seed);
    }

    public LearnerSettings withSeed(long newSeed) {
        return new LearnerSettings(prior, priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                alphas, cheapBelow, cheapShare, probeShare, probeUntil, newSeed);
    }

    public LearnerSettings withPrior(SharedPrior newPrior) {
        return new LearnerSettings(newPrior, priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                alphas, cheapBelow, cheapShare, probeShare, probeUntil, seed);
    }

    public LearnerSettings withCheapShare(double share) {
        return new LearnerSettings(prior, priorWeight, weakWrongGivenStrongRight, strongRightGivenWeakWrong, stageStarts,
                alphas, cheapBelow, share, probeShare, probeUntil, seed);
    }
}
