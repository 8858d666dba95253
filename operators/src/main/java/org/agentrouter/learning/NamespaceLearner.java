package org.agentrouter.learning;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The routing decision of a namespace that learns from its own outcomes. Pure and stateless: the namespace's
 * {@link NamespaceOutcomes} are the state (keyed state in the job, a map in the replay).
 *
 * <p>p_strong = (n r + w p0) / (n + w): the prior p0 (the shared scorer on public outcome data) blended with the
 * namespace's own needs-strong rate r over its n outcomes, the prior counting as w pseudo-queries. Cheap when
 * p_strong is below the threshold of the namespace's stage (see {@link LearnerSettings}). With no outcome the
 * decision is the prior's with the stage-0 threshold: a new namespace is never cheaper than the calibration of
 * the prior allows.
 *
 * <p>Why the rate and not the namespace's nearest outcomes: on the MMLU study (BENCHMARKS.md, issue 21) no signal
 * separates the queries that need the strong model within a subject (AUC 0.53 for own neighbours with full
 * feedback in hindsight, 0.51-0.54 for the prior and the query's length), while the subjects' rates range from
 * 4% to 40%. What a namespace's outcomes teach is how much it needs the strong model.
 */
public final class NamespaceLearner {
    private NamespaceLearner() {}

    /** A learned decision. */
    public record Decision(double pStrong, boolean strong, boolean probe, int stage, double cheapBelow) {}

    public static Decision decide(LearnerSettings s, double prior, NamespaceOutcomes o, String queryId) {
        int n = o == null ? 0 : o.outcomes;
        double p = prior;
        if (n > 0) {
            double rate = o.needsStrongRate(s.weakWrongGivenStrongRight(), s.strongRightGivenWeakWrong());
            p = (n * rate + s.priorWeight() * prior) / (n + s.priorWeight());
        }
        int stage = s.stageOf(n);
        double cheapBelow = s.cheapBelow()[stage];
        boolean strong = !(p < cheapBelow);
        boolean probe = false;
        if (strong && s.probeShare() > 0) {
            double share = s.probeShare() * Math.min(1.0, s.probeUntil() / (double) Math.max(1, n));
            probe = uniform(queryId, s.seed()) < share;
        }
        return new Decision(p, strong, probe, stage, cheapBelow);
    }

    /** A uniform number in [0, 1) from the query id and the seed: the same on every run and every subtask. */
    static double uniform(String queryId, long seed) {
        CRC32C crc = new CRC32C();
        crc.update(Long.toString(seed).getBytes(StandardCharsets.UTF_8));
        crc.update('|');
        crc.update(queryId.getBytes(StandardCharsets.UTF_8));
        long h = crc.getValue() * 0x9E3779B97F4A7C15L; // spread the 32 bits over the long
        return (h >>> 11) * 0x1.0p-53;
    }
}
