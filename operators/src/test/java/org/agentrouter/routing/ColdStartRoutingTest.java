package org.agentrouter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agentrouter.features.FeatureLayout;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.learning.SharedPrior;
import org.agentrouter.query.QueryContext;
import org.agentrouter.schema.RoutingDecision;
import org.junit.jupiter.api.Test;

/**
 * A query without candidates (a namespace with no memories) is routed by the shared prior and its stage-0 threshold,
 * never by the release's answer to an empty candidate set (p_strong 0.5, which its calibration sent cheap).
 */
class ColdStartRoutingTest {
    private static final PricingTable PRICING = PricingTable.defaults();

    private static QueryContext query(String id, int candidates, double modelPStrong, double alpha) {
        QueryContext q = new QueryContext();
        q.queryId = id;
        q.namespace = "new-agent";
        q.text = "Which of the following is NOT a prime number?";
        q.tags = new String[0];
        q.alpha = alpha;
        q.candidateCount = candidates;
        q.candidateIds = new String[candidates];
        for (int i = 0; i < candidates; i++) q.candidateIds[i] = "m" + i;
        q.queryFeatures = new float[FeatureLayout.QUERY_WIDTH];
        q.queryFeatures[0] = 1f;
        q.score.pStrong = modelPStrong;
        q.score.relevance = new float[FeatureLayout.MAX_CANDIDATES];
        q.score.modelVersion = "1.0.0";
        q.score.modelRole = "champion";
        q.score.calibrationAlphas = new double[] {0.05, 0.1, 0.2};
        // the release's calibration: cheap when p_strong <= 0.6
        q.score.strongThresholds = new double[] {0.3, 0.3, 0.3};
        q.score.cheapThresholds = new double[] {0.6, 0.6, 0.6};
        return q;
    }

    /** Stage-0 threshold 0.1 at alpha 0.1 (and 0.2 at 0.2); later stages do not matter without outcomes. */
    private static LearnerSettings settings(double prior) {
        return new LearnerSettings(SharedPrior.constant(prior), 20, 0.25, 0.5, new int[] {0, 10}, new double[] {0.1, 0.2},
                new double[][] {{0.1, 0.5}, {0.2, 0.5}}, 1.0, 1.0, 50, 1);
    }

    private static RoutingDecision decide(LearnerSettings s, QueryContext q) {
        try (RouteDecider d = new RouteDecider(PRICING, 0.1, PRICING.strongest(), () -> 0L, s)) {
            return d.decide(q);
        }
    }

    @Test
    void withoutSettingsANewNamespaceGoesStrong() {
        RoutingDecision d = decide(null, query("q", 0, 0.5, Double.NaN));
        assertEquals("strong", d.getRoute());
        assertTrue(d.getFallbackReason().contains("cold start"), d.getFallbackReason());
        // the same score with candidates is the release's to decide: cheap under its calibration
        assertEquals("cheap", decide(null, query("q", 3, 0.5, Double.NaN)).getRoute());
    }

    @Test
    void theSharedPriorDecidesAgainstTheStageZeroThreshold() {
        RoutingDecision easy = decide(settings(0.05), query("q1", 0, 0.5, Double.NaN));
        assertEquals("cheap", easy.getRoute());
        assertEquals(0.05, easy.getPStrong(), 1e-9);
        assertEquals(0.1, easy.getAlpha(), 1e-12);
        assertTrue(easy.getFallbackReason().contains("shared prior"), easy.getFallbackReason());

        RoutingDecision hard = decide(settings(0.15), query("q2", 0, 0.5, Double.NaN));
        assertEquals("strong", hard.getRoute());
        assertEquals(0.15, hard.getPStrong(), 1e-9);
        // a looser alpha uses its own calibrated threshold (0.2 at alpha 0.2)
        assertEquals("cheap", decide(settings(0.15), query("q3", 0, 0.5, 0.2)).getRoute());
    }

    @Test
    void anAlphaStricterThanAnyCalibratedOneGoesStrong() {
        RoutingDecision d = decide(settings(0.01), query("q", 0, 0.5, 0.05));
        assertEquals("strong", d.getRoute());
        assertTrue(d.getFallbackReason().contains("stricter"), d.getFallbackReason());
    }

    @Test
    void withLearningOnTheNamespaceLearnerDecidesEvenWithCandidates() {
        QueryContext q = query("q", 5, 0.9, Double.NaN);
        q.learned = new org.agentrouter.query.LearnedRoute();
        q.learned.pStrong = 0.04;
        q.learned.prior = 0.12;
        q.learned.strong = false;
        q.learned.stage = 2;
        q.learned.cheapBelow = 0.1;
        q.learned.alpha = 0.1;
        q.learned.outcomes = 30;
        RoutingDecision cheap = decide(settings(0.5), q);
        // the release's p_strong 0.9 would have gone strong: the learner's decision stands
        assertEquals("cheap", cheap.getRoute());
        assertEquals(0.04, cheap.getPStrong(), 1e-12);
        assertFalse(cheap.getProbe());
        assertTrue(cheap.getFallbackReason().contains("learner: stage 2"), cheap.getFallbackReason());

        q.learned.strong = true;
        q.learned.probe = true;
        RoutingDecision probed = decide(settings(0.5), q);
        assertEquals("strong", probed.getRoute());
        assertTrue(probed.getProbe(), "the decision carries the learner's probe");
    }

    @Test
    void withLearningOffNoDecisionAsksForAProbe() {
        assertFalse(decide(settings(0.05), query("q1", 0, 0.5, Double.NaN)).getProbe());
        assertFalse(decide(settings(0.05), query("q2", 4, 0.5, Double.NaN)).getProbe());
    }
}
