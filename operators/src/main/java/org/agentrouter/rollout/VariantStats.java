package org.agentrouter.rollout;

/**
 * What one routing subtask saw of one model variant (role and version) during one report interval, sent
 * to the rollout judge; or, with {@code kind} {@link #GUARANTEE}, the guarantee monitor's latest figures
 * for one version. One type for both, so the two streams can be unioned into the judge.
 * A Flink POJO (public fields, no-arg constructor).
 */
public class VariantStats {
    public static final String DECISIONS = "decisions";
    public static final String GUARANTEE = "guarantee";

    public String kind = DECISIONS;
    /** champion or challenger (a challenger in shadow mode reports as challenger with {@link #shadow}). */
    public String role;
    public String version;
    public boolean shadow;
    public int subtask;
    /** End of the interval (wall clock): the judge's window keeps reports younger than its length. */
    public long atMs;
    public long decisions;
    /** Scoring calls that failed (not: no model, circuit open): the error rate of the variant. */
    public long scoringFailures;
    public long fallbacks;
    public long strongDecisions;
    /** Scoring latency (the ONNX call), counts per {@link LatencyBuckets} bucket. */
    public long[] scoringLatency;

    // ---- kind GUARANTEE ----
    public double violationRate;
    public boolean drifting;
    public String guarantee;

    public VariantStats() {}

    public static VariantStats decisions(String role, String version, boolean shadow, int subtask) {
        VariantStats s = new VariantStats();
        s.role = role;
        s.version = version;
        s.shadow = shadow;
        s.subtask = subtask;
        s.scoringLatency = new long[LatencyBuckets.COUNT];
        return s;
    }

    public static VariantStats guarantee(String version, double violationRate, boolean drifting, String description, long atMs) {
        VariantStats s = new VariantStats();
        s.kind = GUARANTEE;
        s.version = version;
        s.violationRate = violationRate;
        s.drifting = drifting;
        s.guarantee = description;
        s.atMs = atMs;
        return s;
    }

    /** Counts one decision of this variant. */
    public void record(boolean scoringFailed, boolean fellBack, boolean strong, long scoringMicros) {
        decisions++;
        if (scoringFailed) scoringFailures++;
        if (fellBack) fallbacks++;
        if (strong) strongDecisions++;
        if (scoringMicros >= 0) scoringLatency[LatencyBuckets.index(scoringMicros)]++;
    }
}
