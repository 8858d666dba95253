package org.agentrouter.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.junit.jupiter.api.Test;

class DemoSummaryTest {
    static RoutingDecision decision(String route, double cost, FallbackLevel level, int contextItems, long eventTimeMs) {
        List<ContextItem> context = new java.util.ArrayList<>();
        for (int i = 0; i < contextItems; i++) context.add(new ContextItem("m" + i, 0.5f));
        return RoutingDecision.newBuilder().setQueryId("q").setNamespace("ns").setRoute(route).setModel(route + "-llm")
                .setConfidence(0.9).setPStrong(0.2).setPredictionSet(List.of(route)).setUncertain(false).setAlpha(0.1)
                .setContext(context).setCandidatesConsidered(10).setEstimatedCostUsd(cost).setStrongCostUsd(0.01)
                .setFallbackLevel(level).setModelVersion("1.0.0").setEventTimeMs(eventTimeMs).setDecidedAtMs(eventTimeMs)
                .setProcessingLatencyUs(100).build();
    }

    @Test
    void theSummaryAddsUp() {
        DemoSummary s = new DemoSummary();
        s.add(decision("cheap", 0.001, FallbackLevel.NONE, 3, 1_000), 1_010);
        s.add(decision("cheap", 0.001, FallbackLevel.NONE, 0, 1_000), 1_020);
        s.add(decision("strong", 0.01, FallbackLevel.HEURISTIC, 2, 1_000), 1_030);
        s.add(decision("cheap", 0.001, FallbackLevel.RECENT_DECISION, 1, 1_000), 1_500);
        assertEquals(List.of(
                "demo summary: 4 decisions in 1m05s",
                "  routes: cheap 75.0% (3), strong 25.0% (1)",
                "  cost: $0.0130 against $0.0400 all-strong, saved $0.0270 (67.5%)",
                "  fallbacks: 2 (50.0%): RECENT_DECISION 1, HEURISTIC 1",
                "  end-to-end latency (query sent -> decision read): p50 20 ms, p99 500 ms, max 500 ms",
                "  memory context: 75.0% of decisions carried at least one memory"), s.render(65_000).lines().toList());
    }

    @Test
    void noDecisionSaysWhy() {
        assertEquals(List.of("demo summary: 0 decisions in 12s",
                "  no decision arrived (the job needs some seconds to start: run it longer)"),
                new DemoSummary().render(12_000).lines().toList());
    }
}
