package org.agentrouter.learning;

/**
 * What a namespace's outcomes say about how often its queries need the strong model, from partial feedback:
 * a decision reveals the outcome of the model that answered, and a probe (the agent also called the other
 * model) reveals both. Counts only, a Flink POJO (public fields, no-arg constructor) kept in keyed state.
 *
 * <p>A query needs the strong model when the strong one answers well and the cheap one does not. Strong-routed
 * queries show S; they need the strong model when S = 1 and W = 0, and W is seen only when probed. Cheap-routed
 * queries show W; they need it when W = 0 and S = 1, and S is seen only when probed. So the rate is estimated as
 * P(strong) P(S=1 | strong) P(W=0 | S=1, strong) + P(cheap) P(W=0 | cheap) P(S=1 | W=0, cheap), where each
 * factor that needs a probe is shrunk towards its value on the public outcome data (two pseudo-observations):
 * without probes the estimate leans on the prior for the part it cannot see instead of pretending it saw it.
 */
public class NamespaceOutcomes {
    /** Pseudo-observations of the prior behind each factor that only probes reveal. */
    static final double PRIOR_WEIGHT = 2.0;

    public int outcomes;
    public int strongRouted;
    public int strongRight;
    public int strongRightWeakSeen;
    public int strongRightWeakWrong;
    public int cheapRouted;
    public int cheapWrong;
    public int cheapWrongStrongSeen;
    public int cheapWrongStrongRight;
    public int probes;

    public NamespaceOutcomes() {}

    /**
     * @param routedStrong the decision's route
     * @param weak the cheap model's outcome (1 good, 0 not), NaN when not seen
     * @param strong the strong model's outcome, NaN when not seen
     */
    public void add(boolean routedStrong, double weak, double strong, boolean probed) {
        outcomes++;
        if (probed) probes++;
        if (routedStrong) {
            strongRouted++;
            if (strong >= 0.5) {
                strongRight++;
                if (!Double.isNaN(weak)) {
                    strongRightWeakSeen++;
                    if (weak < 0.5) strongRightWeakWrong++;
                }
            }
        } else {
            cheapRouted++;
            if (weak < 0.5) {
                cheapWrong++;
                if (!Double.isNaN(strong)) {
                    cheapWrongStrongSeen++;
                    if (strong >= 0.5) cheapWrongStrongRight++;
                }
            }
        }
    }

    /**
     * The namespace's share of queries that need the strong model; NaN before its first outcome.
     *
     * @param weakWrongGivenStrongRight P(W=0 | S=1) on the public data
     * @param strongRightGivenWeakWrong P(S=1 | W=0) on the public data
     */
    public double needsStrongRate(double weakWrongGivenStrongRight, double strongRightGivenWeakWrong) {
        if (outcomes == 0) return Double.NaN;
        double viaStrong = 0;
        if (strongRouted > 0) {
            double sRight = strongRight / (double) strongRouted;
            double wWrong = (strongRightWeakWrong + PRIOR_WEIGHT * weakWrongGivenStrongRight) / (strongRightWeakSeen + PRIOR_WEIGHT);
            viaStrong = sRight * wWrong * strongRouted;
        }
        double viaCheap = 0;
        if (cheapRouted > 0) {
            double wWrong = cheapWrong / (double) cheapRouted;
            double sRight = (cheapWrongStrongRight + PRIOR_WEIGHT * strongRightGivenWeakWrong) / (cheapWrongStrongSeen + PRIOR_WEIGHT);
            viaCheap = wWrong * sRight * cheapRouted;
        }
        return (viaStrong + viaCheap) / outcomes;
    }
}
