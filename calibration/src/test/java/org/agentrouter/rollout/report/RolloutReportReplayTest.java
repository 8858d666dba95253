package org.agentrouter.rollout.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.routing.TrafficSplit;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.schema.RoutingMetric;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The report on replayed streams: queries with known outcomes arrive one by one from 2,000 users, half of whom the
 * challenger serves (the job's own user split), each decision is written to routing-metrics and its outcome to
 * routing-feedback as the job and an agent would, and the report is taken after every 25 queries. Both variants route
 * on the same noisy difficulty signal; the deliberately worse challenger sends cheap what the champion would not, so
 * it saves more and fails more often. The report must say "not yet known" until the data allow a verdict (also
 * after both sides have the minimum of outcomes, while the interval still holds 0), then "worse", and never anything
 * else on the way; a challenger that routes like the champion is never called better or worse, and with enough data
 * "same".
 */
class RolloutReportReplayTest {
    private static final PricingTable PRICING = PricingTable.defaults();
    private static final String CHAMPION = "1.0.0";
    private static final String CHALLENGER = "1.1.0";
    private static final int SHARE = 50;
    private static final int STEP = 25;

    /** One replayed query: its prompt length and whether the cheap and the strong model answered it well. */
    record Query(int promptChars, boolean cheapOk, boolean strongOk) {}

    @Test
    void aDeliberatelyWorseChallengerIsNotYetKnownThenWorse() {
        assertWorseOnceTheDataAllow(replay(syntheticStream(4000, new Random(21)), 0.35, 0.45, new Random(22)));
    }

    @Test
    void aChallengerThatRoutesLikeTheChampionIsNeverCalledBetterOrWorseAndFinallyTheSame() {
        List<RolloutReport> reports = replay(syntheticStream(12000, new Random(31)), 0.35, 0.35, new Random(32));
        List<RolloutReport.Verdict> verdicts = reports.stream().map(RolloutReport::verdict).toList();
        for (RolloutReport.Verdict v : verdicts) {
            assertTrue(v == RolloutReport.Verdict.NOT_YET_KNOWN || v == RolloutReport.Verdict.SAME, "an equal challenger called " + v);
        }
        System.out.print(reports.get(reports.size() - 1).text());
        assertEquals(RolloutReport.Verdict.SAME, verdicts.get(verdicts.size() - 1), "12,000 queries tell");
    }

    @Test
    void onTheRealOutcomesOfMmluTheWorseChallengerIsFoundToo() throws Exception {
        // As the other MMLU tests: beside the repository (never copied into it), or -Drouter.data.dir.
        String configured = System.getProperty("router.data.dir");
        Path data = configured != null ? Path.of(configured) : Path.of("").toAbsolutePath().getParent().resolve("../shared/data/routellm-mmlu").normalize();
        Assumptions.assumeTrue(Files.isDirectory(data), "no MMLU outcome data at " + data);
        OutcomeTable table = OutcomeTable.load(data, "prompt", "mistralai/Mixtral-8x7B-Instruct-v0.1", "gpt-4-1106-preview");
        List<Query> stream = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            if (org.agentrouter.calibration.ShippedMemory.EXCLUDED.contains(table.subject(i))) continue; // broken strong labels
            stream.add(new Query(table.prompt(i).length(), table.weak(i) >= 0.5, table.strong(i) >= 0.5));
        }
        java.util.Collections.shuffle(stream, new Random(41));
        assertWorseOnceTheDataAllow(replay(stream.subList(0, 4000), 0.35, 0.45, new Random(42)));
    }

    private static void assertWorseOnceTheDataAllow(List<RolloutReport> reports) {
        List<RolloutReport.Verdict> verdicts = reports.stream().map(RolloutReport::verdict).toList();
        int firstWorse = verdicts.indexOf(RolloutReport.Verdict.WORSE);
        System.out.printf("verdict after every %d queries: %s%n", STEP, verdicts);
        assertTrue(firstWorse > 0, "the report says worse at some point: " + verdicts);
        int undecidedWithEnoughOutcomes = 0;
        for (int i = 0; i < firstWorse; i++) {
            RolloutReport r = reports.get(i);
            assertEquals(RolloutReport.Verdict.NOT_YET_KNOWN, r.verdict(), "before the first 'worse' (after " + (i + 1) * STEP + " queries)");
            long fewest = Math.min(r.variant(Variant.CHAMPION).tally().outcomes(), r.variant(Variant.CHALLENGER).tally().outcomes());
            if (fewest >= RolloutReport.Settings.defaults().minOutcomes()) {
                undecidedWithEnoughOutcomes++;
                assertTrue(r.violationDifference().lower() <= 0, "not yet known with an interval above 0: " + r.verdictLine());
            }
        }
        assertTrue(undecidedWithEnoughOutcomes > 0, "the intervals, not only the minimum counts, held the verdict back");
        RolloutReport first = reports.get(firstWorse);
        System.out.printf("first 'worse' after %d queries: %s%n", (firstWorse + 1) * STEP, first.verdictLine());
        for (RolloutReport r : reports.subList(firstWorse, reports.size())) {
            assertTrue(r.verdict() == RolloutReport.Verdict.WORSE || r.verdict() == RolloutReport.Verdict.NOT_YET_KNOWN, r.verdictLine());
        }
        RolloutReport last = reports.get(reports.size() - 1);
        System.out.print(last.text());
        assertEquals(RolloutReport.Verdict.WORSE, last.verdict(), "with all the data");
        assertTrue(last.verdictLine().startsWith("verdict: worse (it violates more"), last.verdictLine());
    }

    /**
     * Replays the stream: champion and challenger both send a query cheap when its difficulty signal is under their
     * threshold; the signal overlaps between queries the cheap model answers and those it fails, so a higher threshold
     * sends more failures cheap.
     */
    private static List<RolloutReport> replay(List<Query> stream, double championThreshold, double challengerThreshold, Random rnd) {
        RolloutRecords records = new RolloutRecords(PRICING.tier(PRICING.strongest()).route);
        List<RolloutReport> reports = new ArrayList<>();
        long t0 = 1_800_000_000_000L;
        for (int i = 0; i < stream.size(); i++) {
            Query q = stream.get(i);
            String user = "user-" + rnd.nextInt(2000);
            boolean challenger = TrafficSplit.toChallenger(user, SHARE);
            double signal = q.cheapOk() ? 0.7 * rnd.nextDouble() : 0.3 + 0.7 * rnd.nextDouble();
            int tier = signal < (challenger ? challengerThreshold : championThreshold) ? 0 : PRICING.strongest();
            String route = PRICING.tier(tier).route;
            int tokens = q.promptChars() / 4 + 1;
            double cost = PRICING.costUsd(tier, tokens);
            double strongCost = PRICING.costUsd(PRICING.strongest(), tokens);
            String id = "q-" + i;
            String version = challenger ? CHALLENGER : CHAMPION;
            records.add(RoutingMetric.newBuilder().setQueryId(id).setNamespace("ns-" + (i % 7)).setRoute(route)
                    .setModel(PRICING.tier(tier).model).setEstimatedCostUsd(cost).setStrongCostUsd(strongCost).setSavedUsd(strongCost - cost)
                    .setFallbackLevel(FallbackLevel.NONE).setModelVersion(version).setDecidedAtMs(t0 + i * 100L).setLatencyUs(900)
                    .setModelRole(challenger ? "challenger" : "champion").build());
            records.add(RoutingFeedback.newBuilder().setQueryId(id).setNamespace("ns-" + (i % 7)).setModel(PRICING.tier(tier).model)
                    .setRoute(route).setSuccess(tier == 0 ? q.cheapOk() : q.strongOk()).setEventTimeMs(t0 + i * 100L + 2000)
                    .setModelVersion(version).setAlpha(0.1).build());
            if ((i + 1) % STEP == 0) {
                RolloutRecords.Scope scope = records.sinceChallenger();
                reports.add(RolloutReport.of(scope, records.tally(scope), RolloutReport.Settings.defaults()));
            }
        }
        return reports;
    }

    /** Queries whose cheap answer is good 70% of the time, the strong one 95%, prompts of 40 to 2,000 characters. */
    private static List<Query> syntheticStream(int n, Random rnd) {
        List<Query> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new Query(40 + rnd.nextInt(1960), rnd.nextDouble() < 0.7, rnd.nextDouble() < 0.95));
        return out;
    }

    @Test
    void scopeIsSinceTheNewestChallengersFirstDecisionAndShadowsCountOnlyWhatWasObserved() {
        RolloutRecords records = new RolloutRecords("strong");
        // An old challenger, withdrawn; then the current one in shadow mode, then live.
        records.add(metric("a", "challenger", "1.0.5", false, "cheap", 1_000));
        records.add(metric("b", "champion", CHAMPION, false, "strong", 2_000));
        records.add(metric("b", "challenger", CHALLENGER, true, "cheap", 2_000));
        records.add(metric("c", "champion", CHAMPION, false, "cheap", 3_000));
        records.add(metric("c", "challenger", CHALLENGER, true, "cheap", 3_000));
        records.add(metric("d", "champion", CHAMPION, false, "strong", 4_000));
        records.add(metric("d", "challenger", CHALLENGER, true, "strong", 4_000));
        records.add(metric("e", "challenger", CHALLENGER, false, "cheap", 5_000));
        records.add(feedback("a", "cheap", false));
        records.add(feedback("b", "strong", true));  // the shadow's cheap route is not what answered: unobserved
        records.add(feedback("c", "cheap", false));  // both cheap: a violation for the champion and for the shadow
        records.add(feedback("c", "cheap", true));   // a second report of c is ignored, as the job ignores it
        records.add(feedback("d", "strong", false)); // the strongest route never violates
        records.add(feedback("e", "cheap", false));
        RolloutRecords.Scope scope = records.sinceChallenger();
        assertEquals(2_000, scope.fromMs());
        assertEquals(CHALLENGER, scope.challengerVersion());
        var tally = records.tally(scope);
        assertEquals(3, tally.get(Variant.CHAMPION).decisions());
        assertEquals(3, tally.get(Variant.CHAMPION).outcomes());
        assertEquals(1, tally.get(Variant.CHAMPION).violations());
        assertEquals(3, tally.get(Variant.SHADOW).decisions());
        assertEquals(2, tally.get(Variant.SHADOW).outcomes());
        assertEquals(1, tally.get(Variant.SHADOW).violations());
        assertEquals(1, tally.get(Variant.SHADOW).unobserved());
        assertEquals(1, tally.get(Variant.CHALLENGER).decisions(), "the withdrawn 1.0.5 is not this challenger");
        assertEquals(1, tally.get(Variant.CHALLENGER).violations());
        assertEquals(1, records.duplicateFeedback());
        assertNotEquals(Double.NaN, tally.get(Variant.CHAMPION).costSaved());
    }

    private static RoutingMetric metric(String id, String role, String version, boolean shadow, String route, long at) {
        int tier = PRICING.indexOf(route);
        return RoutingMetric.newBuilder().setQueryId(id).setNamespace("ns").setRoute(route).setModel(PRICING.tier(tier).model)
                .setEstimatedCostUsd(PRICING.costUsd(tier, 100)).setStrongCostUsd(PRICING.costUsd(PRICING.strongest(), 100))
                .setSavedUsd(0).setModelVersion(version).setDecidedAtMs(at).setLatencyUs(1).setModelRole(role).setShadow(shadow).build();
    }

    private static RoutingFeedback feedback(String id, String route, boolean success) {
        return RoutingFeedback.newBuilder().setQueryId(id).setNamespace("ns").setModel("m").setRoute(route).setSuccess(success)
                .setEventTimeMs(0).build();
    }
}
