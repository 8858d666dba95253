package org.agentrouter.learning;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The routing decision of a namespace that learns from its own outcomes. Pure and stateless: the namespace's
 * {@link NamespaceOutcomes} are the state (keyed state in the job, a map in the replay).
 *
 * <p>p_strong = (n r + w p0) / (n + w): the shared prior p0 ({@link SharedPrior}) blended with the namespace's own
 * needs-strong rate r over its n outcomes, the prior counting as w pseudo-queries. Cheap when p_strong is below the
 * threshold of the namespace's stage at the query's alpha (see {@link LearnerSettings}) and the query is among the
 * share of the namespace's queries that may go cheap at all. With no outcome the decision
 * is the prior's with the stage-0 threshold: a new namespace is never cheaper than the calibration of the prior
 * allows. A query asking for an alpha stricter than any calibrated one goes strong.
 *
 * <p>Why the rate and not the namespace's nearest outcomes: on the MMLU study (BENCHMARKS.md, issue 21) no signal
 * separates the queries that need the strong model within a subject (AUC 0.53 for own neighbours with full
 * feedback in hindsight, 0.51-0.54 for the prior and the query's length), while the subjects' rates range from
 * 4% to 40%. What a namespace's outcomes teach is how much it needs the strong model.
 */
public final class NamespaceLearner {
    private NamespaceLearner() {}

    /** A learned decision; {@code cheapBelow} is NaN when no calibrated alpha was strict enough. */
    public record Decision(double pStrong, boolean strong, boolean probe, int stage, double cheapBelow) {}

    /**
     * @param alphaIndex {@link LearnerSettings#alphaIndex}; -1: strong
     * @param outcomes null: learning off (the prior with the stage-0 threshold, no probes)
     */
    public static Decision decide(LearnerSettings s, int alphaIndex, double prior, NamespaceOutcomes outcomes, String queryId) {
        int n = outcomes == null ? 0 : outcomes.outcomes;
        double p = prior;
        if (n > 0) {
            double rate = outcomes.needsStrongRate(s.weakWrongGivenStrongRight(), s.strongRightGivenWeakWrong());
            p = (n * rate + s.priorWeight() * prior) / (n + s.priorWeight());
        }
        int stage = s.stageOf(n);
        double cheapBelow = alphaIndex < 0 ? Double.NaN : s.cheapBelow()[alphaIndex][stage];
        boolean strong = !(p < cheapBelow && mayGoCheap(s, queryId));
        boolean probe = false;
        if (strong && outcomes != null && s.probeShare() > 0) {
            double share = s.probeShare() * Math.min(1.0, s.probeUntil() / (double) Math.max(1, n));
            probe = uniform(queryId, s.seed(), PROBE) < share;
        }
        return new Decision(p, strong, probe, stage, cheapBelow);
    }

    /** Whether the query is among the {@link LearnerSettings#cheapShare} of its namespace that may go cheap. */
    public static boolean mayGoCheap(LearnerSettings s, String queryId) {
        return s.cheapShare() >= 1.0 || uniform(queryId, s.seed(), CHEAP) < s.cheapShare();
    }

    private static final char PROBE = '|';
    private static final char CHEAP = '~';

    /** A uniform number in [0, 1) from the query id, the seed and a salt (one per draw): the same on every run and subtask. */
    static double uniform(String queryId, long seed, char salt) {
        CRC32C crc = new CRC32C();
        crc.update(Long.toString(seed).getBytes(StandardCharsets.UTF_8));
        crc.update(salt);
        crc.update(queryId.getBytes(StandardCharsets.UTF_8));
        long h = crc.getValue() * 0x9E3779B97F4A7C15L; // spread the 32 bits over the long
        return (h >>> 11) * 0x1.0p-53;
    }
}
