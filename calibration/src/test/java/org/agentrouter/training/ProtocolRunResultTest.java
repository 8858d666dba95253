package org.agentrouter.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a protocol run writes into a release's metadata: one router's mean and sample std over its folds. */
class ProtocolRunResultTest {
    private static final ProtocolRun.Result RESULT = new ProtocolRun.Result(List.of(
            new TrainingProtocol.FoldScore(ProtocolRun.SEED_ROUTER, 0, 100, 0.50, 0.40, 0.70, 10),
            new TrainingProtocol.FoldScore("other", 0, 100, 0.90, 0.10, 0.20, 10),
            new TrainingProtocol.FoldScore(ProtocolRun.SEED_ROUTER, 1, 100, 0.60, 0.30, 0.80, 10),
            new TrainingProtocol.FoldScore(ProtocolRun.SEED_ROUTER, 2, 100, 0.70, 0.20, 0.90, 10)), Map.of());

    @Test
    void summaryIsTheRoutersMeanAndSampleStd() {
        Map<String, String> s = RESULT.summary(ProtocolRun.SEED_ROUTER, "protocol.p1.");
        assertEquals("0.6000", s.get("protocol.p1.apgr"));
        assertEquals("0.1000", s.get("protocol.p1.apgr_std")); // sample std of 0.5, 0.6, 0.7
        assertEquals("0.3000", s.get("protocol.p1.cpt50"));
        assertEquals("0.8000", s.get("protocol.p1.cpt80"));
        assertEquals("3", s.get("protocol.p1.folds"));
        assertEquals(7, s.size());
    }

    @Test
    void unknownRouterGivesNothingAndRoutersAreListedInOrder() {
        assertTrue(RESULT.summary("never scored", "p.").isEmpty());
        assertEquals(List.of(ProtocolRun.SEED_ROUTER, "other"), RESULT.routers());
    }
}
