package org.agentrouter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.junit.jupiter.api.Test;

/** Feedback for a decision that asked for a probe carries the other route's outcome; without a probe it carries none. */
class ProbeFeedbackTest {
    private static RoutingDecision decision(String route, boolean probe) {
        return RoutingDecision.newBuilder().setQueryId("q").setNamespace("ns").setRoute(route).setModel("m-" + route)
                .setConfidence(0.9).setPStrong(0.3).setPredictionSet(List.of(route)).setUncertain(true).setAlpha(0.1)
                .setContext(List.of()).setCandidatesConsidered(0).setEstimatedCostUsd(1).setStrongCostUsd(1)
                .setModelVersion("1.0.0").setEventTimeMs(1).setDecidedAtMs(2).setProcessingLatencyUs(3).setProbe(probe).build();
    }

    @Test
    void aProbedStrongDecisionReportsTheCheapRoutesOutcome() {
        RoutingFeedback f = RouterClient.feedbackFor(decision("strong", true), true, false).build();
        assertEquals("strong", f.getRoute());
        assertEquals(true, f.getSuccess());
        assertEquals("cheap", f.getProbeRoute());
        assertEquals(false, f.getProbeSuccess());
        assertEquals("strong", RouterClient.otherRoute(decision("cheap", true)));
    }

    @Test
    void withoutAProbeNoProbeFieldsAreSet() {
        RoutingFeedback f = RouterClient.feedbackFor(decision("cheap", false), false, null).build();
        assertEquals(false, f.getSuccess());
        assertNull(f.getProbeRoute());
        assertNull(f.getProbeSuccess());
    }
}
