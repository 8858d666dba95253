package org.agentrouter.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.schema.ConformalCalibration;
import org.junit.jupiter.api.Test;

/** The group risk calibration as stored in a release, and what eval reports from it. */
class GroupRiskFitTest {
    // Three subjects; S = needed the strong model. Subject 2 has no such question.
    //            subject 0        subject 1        subject 2
    static final double[] P = {0.2, 0.6, 0.3, 0.1, 0.7, 0.4, 0.5, 0.9};
    static final int[] LABEL = {1, 1, 0, 1, 0, 1, 0, 0};
    static final int[] GROUP = {0, 0, 0, 1, 1, 1, 2, 2};

    static OfflineScoring.Scored scored() {
        return new OfflineScoring.Scored(P, LABEL, new int[] {0, 1, 2, 3, 4, 5, 6, 7});
    }

    @Test
    void storesMethodGroupsAndThresholdsTheRouterApplies() {
        // m = 2 subjects with strong-needed questions (0.2, 0.6 and 0.1, 0.4), each worth 1/4 of the mean
        // loss: bound = (2 * mean + 1) / 3. Alpha 0.5 allows mean 0.25, i.e. cheap below 0.2 (0.1 violated).
        ConformalCalibration c = ConformalFit.fitGroupRisk(scored(), GROUP, 3, new double[] {0.3, 0.5}, "h");
        assertEquals("group-risk", c.getMethod());
        assertEquals(2, c.getGroupCount());
        assertEquals(8, c.getCalibrationSize());
        assertEquals(List.of(0.0, 0.2), c.getCheapThresholds(), "alpha 0.3 < 1/(m+1): never cheap");
        assertEquals(List.of(1.0, 0.8), c.getStrongThresholds());

        ConformalFit.Outcome o = ConformalFit.apply(scored(), c, 0.5, GROUP);
        // cheap below 0.2: only question 3 (p 0.1, subject 1, strong-needed) -> subject 1 rate 1/2, subject 0 rate 0.
        assertEquals(0.25, o.meanGroupViolationRate(), 1e-12);
        assertEquals(2, o.groupsWithStrongLabels());
        assertEquals(0.25, o.violationsAmongStrongLabels(), 1e-12, "pooled: 1 of 4");
        assertEquals(7 / 8.0, o.strongShare(), 1e-12);
    }

    @Test
    void oracleForTheSubjectMeanIsTheSmallestTopShareMeetingIt() {
        // By p descending: 0.9(-), 0.7(-), 0.6(S0), 0.5(-), 0.4(S1), 0.3(-), 0.2(S0), 0.1(S1).
        assertEquals(1.0, ConformalFit.oracleStrongShareForGroupMean(scored(), GROUP, 0.0), 1e-12);
        assertEquals(7 / 8.0, ConformalFit.oracleStrongShareForGroupMean(scored(), GROUP, 0.25), 1e-12);
        assertEquals(5 / 8.0, ConformalFit.oracleStrongShareForGroupMean(scored(), GROUP, 0.5), 1e-12);
        assertEquals(0.0, ConformalFit.oracleStrongShareForGroupMean(scored(), GROUP, 1.0), 1e-12);
    }

    @Test
    void evalReportsEveryAlphaWithPooledAndPerSubjectRates() {
        ConformalCalibration c = ConformalFit.fitGroupRisk(scored(), GROUP, 3, new double[] {0.3, 0.5}, "h");
        double[] weak = {0, 0, 1, 0, 1, 0, 1, 1};
        double[] strong = {1, 1, 1, 1, 1, 1, 1, 1};
        int[] tokens = {10, 10, 10, 10, 10, 10, 10, 10};
        Map<String, Object> r = RouterEvaluation.report(scored(), weak, strong, tokens, PricingTable.defaults(), c,
                List.of(0.3, 0.5), GROUP, List.of("s0", "s1", "s2"));
        assertEquals("group-risk", r.get("calibration_method"));
        List<?> byAlpha = (List<?>) r.get("by_alpha");
        assertEquals(2, byAlpha.size());
        Map<?, ?> half = (Map<?, ?>) byAlpha.get(1);
        assertEquals(0.5, half.get("alpha"));
        assertEquals(0.25, (Double) half.get("violation_rate_group_mean"), 1e-12);
        assertEquals(5 / 8.0, (Double) half.get("oracle_strong_share_at_alpha_group_mean"), 1e-12);
        Map<?, ?> s1 = (Map<?, ?>) ((Map<?, ?>) half.get("by_group")).get("s1");
        assertEquals(2, s1.get("needed_strong"));
        assertEquals(0.5, (Double) s1.get("violation_rate"), 1e-12);
        Map<?, ?> strict = (Map<?, ?>) byAlpha.get(0);
        assertEquals(1.0, (Double) strict.get("strong_share"), 1e-12);
        assertEquals(0.0, (Double) strict.get("cost_saved"), 1e-12);
    }
}
