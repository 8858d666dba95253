package org.agentrouter.rollout;

import java.io.Serializable;

/**
 * When a challenger is rolled back automatically: the rules of the rollout judge, without Flink.
 * Over the judge's window, with at least {@link Settings#minDecisions} decisions of the challenger:
 * <ul>
 *   <li><b>errors</b>: its scoring error rate exceeds {@link Settings#errorRatio} times the champion's, and
 *       at least {@link Settings#minErrorRate} (a champion with fewer than minDecisions decisions counts as
 *       error-free: a challenger must then stay under the floor on its own);</li>
 *   <li><b>latency</b>: its p95 scoring latency exceeds {@link Settings#latencyRatio} times the champion's
 *       and by at least {@link Settings#latencyMarginUs} (microsecond-scale models jitter by more than 50%
 *       with a GC pause); needs minDecisions of both, so a champion without traffic never triggers it;</li>
 *   <li><b>guarantee</b>: the guarantee monitor flags its version as drifting (its violation rate's 99%
 *       lower bound is above the calibrated alpha, over at least --feedback-min-outcomes outcomes; the
 *       monitor's own minimum applies, not minDecisions).</li>
 * </ul>
 */
public final class RolloutRules {
    public static final String RULE_ERRORS = "error rate";
    public static final String RULE_LATENCY = "p95 latency";
    public static final String RULE_GUARANTEE = "guarantee drift";

    private RolloutRules() {}

    /** Shipped with the job graph; every field has a working default. */
    public static final class Settings implements Serializable {
        private static final long serialVersionUID = 1L;
        /** Off: variants are still measured and reported, nothing is rolled back. */
        public boolean autoRollback = true;
        /** Reports younger than this are judged. */
        public long windowMs = 60_000;
        /** Decisions of the challenger in the window before the error and latency rules apply. */
        public long minDecisions = 200;
        public double errorRatio = 2.0;
        public double minErrorRate = 0.02;
        public double latencyRatio = 1.5;
        public long latencyMarginUs = 200;
        /** How often each routing subtask reports its variants to the judge. */
        public long reportIntervalMs = 1_000;

        public Settings validate() {
            if (windowMs < 1 || reportIntervalMs < 1 || reportIntervalMs > windowMs) {
                throw new IllegalArgumentException("rollout window and report interval must be positive, the interval at most the window; got "
                        + windowMs + " and " + reportIntervalMs + " ms");
            }
            if (minDecisions < 1) throw new IllegalArgumentException("rollout minimum decisions must be positive, got " + minDecisions);
            if (!(errorRatio >= 1) || !(latencyRatio >= 1)) {
                throw new IllegalArgumentException("rollout error and latency ratios must be >= 1, got " + errorRatio + " and " + latencyRatio);
            }
            if (!(minErrorRate >= 0 && minErrorRate < 1) || latencyMarginUs < 0) {
                throw new IllegalArgumentException("rollout minimum error rate must be in [0, 1) and the latency margin >= 0");
            }
            return this;
        }
    }

    /** One variant (role and version) summed over the window, from every subtask's reports. */
    public static final class Window {
        public final String role;
        public final String version;
        public long decisions;
        public long scoringFailures;
        public long fallbacks;
        public long strongDecisions;
        public final long[] scoringLatency = new long[LatencyBuckets.COUNT];
        public boolean shadow;
        public long lastAtMs;

        public Window(String role, String version) {
            this.role = role;
            this.version = version;
        }

        public void add(VariantStats s) {
            decisions += s.decisions;
            scoringFailures += s.scoringFailures;
            fallbacks += s.fallbacks;
            strongDecisions += s.strongDecisions;
            if (s.scoringLatency != null) {
                for (int i = 0; i < Math.min(s.scoringLatency.length, scoringLatency.length); i++) scoringLatency[i] += s.scoringLatency[i];
            }
            if (s.atMs >= lastAtMs) {
                lastAtMs = s.atMs;
                shadow = s.shadow;
            }
        }

        public double errorRate() {
            return decisions == 0 ? 0 : (double) scoringFailures / decisions;
        }

        public double fallbackRate() {
            return decisions == 0 ? 0 : (double) fallbacks / decisions;
        }

        public double strongShare() {
            return decisions == 0 ? 0 : (double) strongDecisions / decisions;
        }

        public long latencySamples() {
            long n = 0;
            for (long c : scoringLatency) n += c;
            return n;
        }

        public long p95LatencyUs() {
            return LatencyBuckets.quantile(scoringLatency, 0.95);
        }
    }

    /** Keep or roll back, and why (the reason goes to model-events, the log and the ModelControl record). */
    public record Verdict(boolean rollback, String rule, String reason) {
        static Verdict keep(String why) {
            return new Verdict(false, null, why);
        }
    }

    /**
     * @param champion the champion's window, null when it reported nothing
     * @param challenger the challenger's window (null: nothing to judge)
     * @param guarantee the guarantee monitor's latest figures for the challenger's version, or null
     */
    public static Verdict judge(Window champion, Window challenger, VariantStats guarantee, Settings s) {
        if (challenger == null) return Verdict.keep("no challenger");
        String who = "challenger " + challenger.version;
        if (guarantee != null && guarantee.drifting) {
            return new Verdict(true, RULE_GUARANTEE, who + ": guarantee drift, " + guarantee.guarantee);
        }
        if (challenger.decisions < s.minDecisions) {
            return Verdict.keep(who + ": " + challenger.decisions + " decisions in the window, " + s.minDecisions + " needed");
        }
        boolean championMeasured = champion != null && champion.decisions >= s.minDecisions;
        double baseline = championMeasured ? champion.errorRate() : 0;
        double errorLimit = Math.max(s.errorRatio * baseline, s.minErrorRate);
        if (challenger.errorRate() > errorLimit) {
            return new Verdict(true, RULE_ERRORS, String.format(
                    "%s: scoring error rate %.3f (%d of %d) over the limit %.3f (%s)", who, challenger.errorRate(),
                    challenger.scoringFailures, challenger.decisions, errorLimit,
                    championMeasured ? String.format("%.1fx champion %s's %.3f, at least %.3f", s.errorRatio,
                            champion.version, baseline, s.minErrorRate) : "champion has too few decisions to compare: the floor"));
        }
        if (championMeasured && challenger.latencySamples() >= s.minDecisions && champion.latencySamples() >= s.minDecisions) {
            long p95 = challenger.p95LatencyUs();
            long championP95 = champion.p95LatencyUs();
            if (p95 > s.latencyRatio * championP95 && p95 - championP95 >= s.latencyMarginUs) {
                return new Verdict(true, RULE_LATENCY, String.format(
                        "%s: p95 scoring latency %d us over %.1fx champion %s's %d us (margin %d us)", who, p95,
                        s.latencyRatio, champion.version, championP95, s.latencyMarginUs));
            }
        }
        return Verdict.keep(who + ": within the rules");
    }
}
