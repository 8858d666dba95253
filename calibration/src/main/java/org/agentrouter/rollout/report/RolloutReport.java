package org.agentrouter.rollout.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.agentrouter.rollout.report.RolloutStatistics.Estimate;

/**
 * The comparison of a challenger (live, else in shadow mode) with the champion over a scope, and its verdict.
 *
 * <p>Verdict, from the 95% intervals of the challenger-minus-champion differences of the violation rate (dv) and of
 * the cost saved (ds), once each side has at least {@code minOutcomes} outcomes and {@code minDecisions} decisions,
 * in this order:
 * <ol>
 *   <li>worse: dv's interval lies above 0 (it violates more, whatever it saves);</li>
 *   <li>worse: ds's interval lies below 0 and dv's does not lie below 0 (it saves less and violates no less);</li>
 *   <li>trade-off: both intervals lie below 0 (it violates less and saves less);</li>
 *   <li>better: dv's interval lies below 0 (it violates less, and does not save less);</li>
 *   <li>better: ds's interval lies above 0 and dv's upper bound is below {@code effect} (it saves more and violates at
 *       most {@code effect} more);</li>
 *   <li>same: both intervals lie within (-effect, +effect) (no difference of {@code effect} or more either way);</li>
 *   <li>otherwise not yet known.</li>
 * </ol>
 * A shadow challenger whose decisions are not all observed (it chose cheap where the champion went strong, and no
 * probe answered) gets only "worse" or "not yet known": its observed violation rate leaves those queries out.
 * {@code effect} is a difference in rate points: of the violation rate, and of the share of the all-strong cost saved.
 */
public final class RolloutReport {
    public enum Verdict {
        BETTER("better"), WORSE("worse"), TRADE_OFF("trade-off"), SAME("same"), NOT_YET_KNOWN("not yet known");

        public final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /** effect: the violation-rate increase to power for and the margin of rule 5; the minimum counts of a verdict. */
    public record Settings(double effect, long minOutcomes, long minDecisions) {
        public static Settings defaults() {
            return new Settings(0.02, 30, 30);
        }
    }

    /** One variant's figures. */
    public record VariantSummary(Variant variant, VariantTally tally, Estimate violationRate, Estimate costSaved) {}

    /**
     * The violation rate the power is computed from (the champion's; pooled when it has no outcome; 0.1, the job's
     * default alpha, when nobody has one), the increase detectable now, and the outcomes needed for {@code effect}.
     */
    public record Power(double baseline, double minimumDetectableIncrease, double effect, long championNeeded,
                        long challengerNeeded, long furtherChampion, long furtherChallenger) {
        public long further() {
            return furtherChampion + furtherChallenger;
        }
    }

    private final RolloutRecords.Scope scope;
    private final Map<Variant, VariantSummary> variants;
    private final Variant compared;
    private final Estimate violationDifference;
    private final Estimate costSavedDifference;
    private final Power power;
    private final Verdict verdict;
    private final String reason;

    private RolloutReport(RolloutRecords.Scope scope, Map<Variant, VariantSummary> variants, Variant compared,
                          Estimate violationDifference, Estimate costSavedDifference, Power power, Verdict verdict, String reason) {
        this.scope = scope;
        this.variants = variants;
        this.compared = compared;
        this.violationDifference = violationDifference;
        this.costSavedDifference = costSavedDifference;
        this.power = power;
        this.verdict = verdict;
        this.reason = reason;
    }

    public static RolloutReport of(RolloutRecords.Scope scope, Map<Variant, VariantTally> tallies, Settings settings) {
        Map<Variant, VariantSummary> variants = new EnumMap<>(Variant.class);
        for (Variant v : Variant.values()) {
            VariantTally t = tallies.getOrDefault(v, new VariantTally());
            variants.put(v, new VariantSummary(v, t, RolloutStatistics.proportion(t.violations(), t.outcomes()),
                    RolloutStatistics.costSaved(t)));
        }
        VariantTally champion = variants.get(Variant.CHAMPION).tally();
        Variant compared = variants.get(Variant.CHALLENGER).tally().decisions() > 0 ? Variant.CHALLENGER
                : variants.get(Variant.SHADOW).tally().decisions() > 0 ? Variant.SHADOW : null;
        if (compared == null) {
            return new RolloutReport(scope, variants, null, Estimate.NONE, Estimate.NONE, null, Verdict.NOT_YET_KNOWN,
                    "no challenger decided in this scope");
        }
        VariantTally challenger = variants.get(compared).tally();
        Estimate dv = RolloutStatistics.difference(challenger.violations(), challenger.outcomes(), champion.violations(), champion.outcomes());
        Estimate ds = RolloutStatistics.costSavedDifference(challenger, champion);
        Power power = power(champion, challenger, settings.effect());

        Verdict verdict;
        String reason;
        String dvText = "violation rate " + signed(dv);
        String dsText = "cost saved " + signed(ds);
        long fewest = Math.min(champion.outcomes(), challenger.outcomes());
        long fewestDecisions = Math.min(champion.decisions(), challenger.decisions());
        boolean partlyObserved = compared == Variant.SHADOW && challenger.unobserved() > 0;
        if (fewest < settings.minOutcomes() || fewestDecisions < settings.minDecisions()) {
            verdict = Verdict.NOT_YET_KNOWN;
            reason = String.format(Locale.ROOT, "%d outcomes and %d decisions on the smaller side, a verdict needs %d and %d",
                    fewest, fewestDecisions, settings.minOutcomes(), settings.minDecisions());
        } else if (dv.above(0)) {
            verdict = Verdict.WORSE;
            reason = "it violates more: " + dvText;
        } else if (ds.below(0) && !dv.below(0)) {
            verdict = Verdict.WORSE;
            reason = "it saves less and violates no less: " + dsText + ", " + dvText;
        } else if (partlyObserved) {
            verdict = Verdict.NOT_YET_KNOWN;
            reason = String.format(Locale.ROOT, "shadow: %d of its decisions chose a route whose outcome no feedback shows (run it live, "
                    + "or with probes); %s, %s", challenger.unobserved(), dvText, dsText);
        } else if (dv.below(0) && ds.below(0)) {
            verdict = Verdict.TRADE_OFF;
            reason = "it violates less and saves less: " + dvText + ", " + dsText;
        } else if (dv.below(0)) {
            verdict = Verdict.BETTER;
            reason = "it violates less: " + dvText + ", " + dsText;
        } else if (ds.above(0) && dv.below(settings.effect())) {
            verdict = Verdict.BETTER;
            reason = String.format(Locale.ROOT, "it saves more and violates at most %.3f more: %s, %s", settings.effect(), dsText, dvText);
        } else if (dv.above(-settings.effect()) && dv.below(settings.effect()) && ds.above(-settings.effect()) && ds.below(settings.effect())) {
            verdict = Verdict.SAME;
            reason = String.format(Locale.ROOT, "no difference of %.3f or more either way: %s, %s", settings.effect(), dvText, dsText);
        } else {
            verdict = Verdict.NOT_YET_KNOWN;
            reason = power.further() > 0
                    ? String.format(Locale.ROOT, "%s, %s; %d more outcomes to detect a violation-rate increase of %.3f", dvText, dsText,
                            power.further(), settings.effect())
                    : String.format(Locale.ROOT, "%s, %s; no interval excludes 0 or lies within +-%.3f yet", dvText, dsText, settings.effect());
        }
        return new RolloutReport(scope, variants, compared, dv, ds, power, verdict, reason);
    }

    private static Power power(VariantTally champion, VariantTally challenger, double effect) {
        double baseline = champion.outcomes() > 0 ? (double) champion.violations() / champion.outcomes()
                : challenger.outcomes() > 0 ? (double) challenger.violations() / challenger.outcomes() : 0.1;
        double mde = RolloutStatistics.minimumDetectableIncrease(baseline, champion.outcomes(), challenger.outcomes());
        double e = Math.min(effect, 1 - baseline);
        long[] needed = e > 0 ? RolloutStatistics.outcomesNeeded(baseline, e, champion.outcomes(), challenger.outcomes())
                : new long[] {0, 0};
        return new Power(baseline, mde, e, needed[0], needed[1], Math.max(0, needed[0] - champion.outcomes()),
                Math.max(0, needed[1] - challenger.outcomes()));
    }

    public Verdict verdict() {
        return verdict;
    }

    /** The one line: the verdict and why. */
    public String verdictLine() {
        return "verdict: " + verdict.text + " (" + reason + ")";
    }

    public VariantSummary variant(Variant v) {
        return variants.get(v);
    }

    /** The side compared with the champion: the live challenger, else the shadow; null when neither decided. */
    public Variant compared() {
        return compared;
    }

    public Estimate violationDifference() {
        return violationDifference;
    }

    public Estimate costSavedDifference() {
        return costSavedDifference;
    }

    public Power power() {
        return power;
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "decisions from %s to %s%s%n", time(scope.fromMs()), scope.toMs() == Long.MAX_VALUE ? "now" : time(scope.toMs()),
                scope.challengerVersion() == null ? ", no challenger" : ", challenger " + scope.challengerVersion()));
        b.append(String.format(Locale.ROOT, "%-11s %-12s %10s %9s  %-26s %-26s%n", "variant", "versions", "decisions", "outcomes",
                "violation rate [95%]", "cost saved [95%]"));
        for (VariantSummary s : variants.values()) {
            VariantTally t = s.tally();
            if (t.decisions() == 0 && s.variant() != Variant.CHAMPION) continue;
            b.append(String.format(Locale.ROOT, "%-11s %-12s %10d %9d  %-26s %-26s%n", s.variant().label(),
                    t.versions().isEmpty() ? "-" : String.join(",", t.versions()), t.decisions(), t.outcomes(),
                    interval(s.violationRate(), false), interval(s.costSaved(), false)));
            if (t.unobserved() > 0) {
                b.append(String.format(Locale.ROOT, "            (%d shadow decisions whose route's outcome no feedback shows)%n", t.unobserved()));
            }
        }
        if (compared != null) {
            b.append(String.format(Locale.ROOT, "%s - champion: violation rate %s, cost saved %s%n", compared.label(),
                    interval(violationDifference, true), interval(costSavedDifference, true)));
            b.append(String.format(Locale.ROOT, "power (two-sided 0.05, power 0.8, baseline violation rate %.3f): detectable now %s; "
                            + "for +%.3f: %d more outcomes (champion %d, %s %d, at the current split)%n",
                    power.baseline(), Double.isInfinite(power.minimumDetectableIncrease()) ? "nothing (an arm has no outcome)"
                            : String.format(Locale.ROOT, "+%.3f", power.minimumDetectableIncrease()),
                    power.effect(), power.further(), power.furtherChampion(), compared.label(), power.furtherChallenger()));
        }
        b.append(verdictLine()).append('\n');
        return b.toString();
    }

    public ObjectNode json() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        ObjectNode s = root.putObject("scope");
        s.put("from_ms", scope.fromMs());
        if (scope.toMs() != Long.MAX_VALUE) s.put("to_ms", scope.toMs());
        s.put("challenger_version", scope.challengerVersion());
        ObjectNode vs = root.putObject("variants");
        for (VariantSummary v : variants.values()) {
            ObjectNode o = vs.putObject(v.variant().label());
            VariantTally t = v.tally();
            ArrayNode versions = o.putArray("versions");
            t.versions().forEach(versions::add);
            o.put("decisions", t.decisions());
            o.put("outcomes", t.outcomes());
            o.put("violations", t.violations());
            if (v.variant() == Variant.SHADOW) o.put("unobserved", t.unobserved());
            put(o, "violation_rate", v.violationRate());
            put(o, "cost_saved", v.costSaved());
        }
        if (compared != null) {
            ObjectNode d = root.putObject("difference");
            d.put("variant", compared.label());
            put(d, "violation_rate", violationDifference);
            put(d, "cost_saved", costSavedDifference);
            ObjectNode p = root.putObject("power");
            p.put("test_alpha", RolloutStatistics.ERROR_RATE);
            p.put("power", RolloutStatistics.POWER);
            p.put("baseline_violation_rate", power.baseline());
            if (!Double.isInfinite(power.minimumDetectableIncrease())) p.put("minimum_detectable_increase", power.minimumDetectableIncrease());
            p.put("effect", power.effect());
            p.put("outcomes_needed_champion", power.championNeeded());
            p.put("outcomes_needed_challenger", power.challengerNeeded());
            p.put("further_outcomes", power.further());
        }
        root.put("verdict", verdict.text);
        root.put("reason", reason);
        return root;
    }

    private static void put(ObjectNode parent, String name, Estimate e) {
        if (!e.known()) return;
        ObjectNode o = parent.putObject(name);
        o.put("value", e.value());
        if (!Double.isNaN(e.lower())) {
            o.put("lower", e.lower());
            o.put("upper", e.upper());
        }
    }

    private static String interval(Estimate e, boolean signed) {
        if (!e.known()) return "-";
        String f = signed ? "%+.3f" : "%.3f";
        if (Double.isNaN(e.lower())) return String.format(Locale.ROOT, f, e.value());
        return String.format(Locale.ROOT, f + " [" + f + ", " + f + "]", e.value(), e.lower(), e.upper());
    }

    private static String signed(Estimate e) {
        return interval(e, true);
    }

    private static String time(long ms) {
        return ms == Long.MIN_VALUE || ms == Long.MAX_VALUE ? "-" : Instant.ofEpochMilli(ms).toString();
    }
}
