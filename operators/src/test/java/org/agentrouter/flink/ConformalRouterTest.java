package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.agentrouter.features.FeatureLayout;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.query.QueryContext;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingMetric;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** The routing stage alone: conformal decisions, context selection, cost, and the heuristic fallback. */
class ConformalRouterTest {
    private static QueryContext scored(String id, double pStrong) {
        QueryContext q = new QueryContext();
        q.queryId = id;
        q.namespace = "ns";
        q.text = "What is the capital of Peru?";
        q.tags = new String[0];
        q.contextK = 2;
        q.candidateCount = 3;
        q.candidateIds = new String[] {"m0", "m1", "m2"};
        q.score.relevance = new float[FeatureLayout.MAX_CANDIDATES];
        q.score.relevance[0] = 0.2f;
        q.score.relevance[1] = 0.9f;
        q.score.relevance[2] = 0.5f;
        q.score.pStrong = pStrong;
        q.score.modelVersion = "1.0.0";
        q.score.modelRole = "champion";
        q.score.calibrationAlphas = new double[] {0.05, 0.1, 0.2};
        // strong in the set when 1 - p <= 0.4, cheap when p <= 0.5
        q.score.strongThresholds = new double[] {0.4, 0.4, 0.4};
        q.score.cheapThresholds = new double[] {0.5, 0.5, 0.5};
        q.eventTimeMs = System.currentTimeMillis();
        q.ingestMicros = 1;
        return q;
    }

    @Test
    void decidesCostsAndPicksTheMostRelevantContext() throws Exception {
        try (OneInputStreamOperatorTestHarness<QueryContext, KafkaMessage> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new ConformalRouter(new RouterConfig()))) {
            h.processElement(scored("cheap-one", 0.2), 0);
            h.processElement(scored("strong-one", 0.8), 0);
            QueryContext failed = scored("fallback", Double.NaN);
            failed.score.failure = "scorer failed: boom";
            failed.text = "def f(x): return x ** 2  # why is this slow?";
            h.processElement(failed, 0);

            var out = h.extractOutputValues();
            RoutingDecision cheap = AvroWire.DECISION.decode(out.get(0).value);
            assertEquals("cheap", cheap.getRoute());
            assertEquals(FallbackLevel.NONE, cheap.getFallbackLevel());
            assertEquals("m1", cheap.getContext().get(0).getMemoryId());
            assertEquals("m2", cheap.getContext().get(1).getMemoryId());
            assertTrue(cheap.getEstimatedCostUsd() < cheap.getStrongCostUsd());

            RoutingDecision strong = AvroWire.DECISION.decode(out.get(1).value);
            assertEquals("strong", strong.getRoute());
            assertEquals(strong.getStrongCostUsd(), strong.getEstimatedCostUsd(), 1e-12);

            RoutingDecision fallback = AvroWire.DECISION.decode(out.get(2).value);
            assertEquals(FallbackLevel.HEURISTIC, fallback.getFallbackLevel());
            assertEquals("strong", fallback.getRoute());
            assertTrue(fallback.getFallbackReason().contains("boom") && fallback.getFallbackReason().contains("code"),
                    fallback.getFallbackReason());

            var metrics = h.getSideOutput(RouterOutputs.ROUTING_METRICS);
            assertEquals(3, metrics.size());
            RoutingMetric m = AvroWire.METRIC.decode(metrics.peek().getValue().value);
            assertEquals(m.getStrongCostUsd() - m.getEstimatedCostUsd(), m.getSavedUsd(), 1e-12);
        }
    }

    @Test
    void theFallbackLadderGoesRecentDecisionThenHeuristicThenDefault() throws Exception {
        try (OneInputStreamOperatorTestHarness<QueryContext, KafkaMessage> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new ConformalRouter(new RouterConfig()))) {
            float[] v = new float[FeatureLayout.EMBEDDING_DIM];
            v[0] = 1f;
            QueryContext confident = scored("seen", 0.05); // confident cheap decision by the scorer
            confident.embedding = v;
            h.processElement(confident, 0);

            QueryContext again = scored("same-again", Double.NaN);
            again.score.failure = "scorer circuit open";
            again.embedding = v.clone();
            h.processElement(again, 0);

            float[] w = new float[FeatureLayout.EMBEDDING_DIM];
            w[1] = 1f;
            QueryContext shortPlain = scored("short", Double.NaN);
            shortPlain.score.failure = "scorer circuit open";
            shortPlain.embedding = w;
            h.processElement(shortPlain, 0);

            QueryContext longPlain = scored("long", Double.NaN);
            longPlain.score.failure = "scorer circuit open";
            longPlain.embedding = w;
            longPlain.text = "Tell me about the history of the region. ".repeat(20); // 820 chars, no signal
            h.processElement(longPlain, 0);

            var out = h.extractOutputValues();
            RoutingDecision recent = AvroWire.DECISION.decode(out.get(1).value);
            assertEquals(FallbackLevel.RECENT_DECISION, recent.getFallbackLevel());
            assertEquals("cheap", recent.getRoute());
            assertTrue(recent.getFallbackReason().contains("seen"), recent.getFallbackReason());
            RoutingDecision heuristic = AvroWire.DECISION.decode(out.get(2).value);
            assertEquals(FallbackLevel.HEURISTIC, heuristic.getFallbackLevel());
            assertEquals("cheap", heuristic.getRoute());
            RoutingDecision fallbackDefault = AvroWire.DECISION.decode(out.get(3).value);
            assertEquals(FallbackLevel.DEFAULT_ROUTE, fallbackDefault.getFallbackLevel());
            assertEquals("strong", fallbackDefault.getRoute());
        }
    }

    @Test
    void aShadowScoreIsRecordedAsAShadowMetricButNeverDecidesAndVariantsAreReportedToTheJudge() throws Exception {
        RouterConfig config = new RouterConfig();
        config.rollout.reportIntervalMs = 1; // every decision after the first millisecond reports
        try (OneInputStreamOperatorTestHarness<QueryContext, KafkaMessage> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new ConformalRouter(config))) {
            QueryContext q = scored("shadowed", 0.2); // the champion says cheap
            q.score.micros = 30;
            q.shadow = new org.agentrouter.query.Score();
            q.shadow.modelVersion = "1.1.0";
            q.shadow.pStrong = 0.9; // the challenger would have said strong
            q.shadow.micros = 45;
            q.shadow.calibrationAlphas = q.score.calibrationAlphas;
            q.shadow.strongThresholds = q.score.strongThresholds;
            q.shadow.cheapThresholds = q.score.cheapThresholds;
            QueryContext failing = scored("shadow-failed", 0.2);
            failing.shadow = new org.agentrouter.query.Score();
            failing.shadow.modelVersion = "1.1.0";
            failing.shadow.failure = "shadow scorer failed: boom";
            Thread.sleep(2);
            h.processElement(q, 0);
            Thread.sleep(2);
            h.processElement(failing, 0);
            Thread.sleep(2);
            h.processElement(scored("flushes-the-report", 0.2), 0);

            var out = h.extractOutputValues();
            assertEquals(3, out.size(), "one decision per query, the shadow adds none");
            RoutingDecision d = AvroWire.DECISION.decode(out.get(0).value);
            assertEquals("cheap champion 1.0.0", d.getRoute() + " " + d.getModelRole() + " " + d.getModelVersion());
            assertEquals(0.2, d.getPStrong(), 1e-9, "the champion's score, untouched by the shadow decision");

            java.util.List<RoutingMetric> metrics = new java.util.ArrayList<>();
            for (var r : h.getSideOutput(RouterOutputs.ROUTING_METRICS)) metrics.add(AvroWire.METRIC.decode(r.getValue().value));
            assertEquals(5, metrics.size());
            assertEquals("cheap champion 1.0.0 false", describe(metrics.get(0)));
            assertEquals("strong challenger 1.1.0 true", describe(metrics.get(1)));
            assertEquals(FallbackLevel.NONE, metrics.get(1).getFallbackLevel());
            assertEquals(FallbackLevel.DEFAULT_ROUTE, metrics.get(3).getFallbackLevel());
            assertTrue(metrics.get(3).getShadow());

            java.util.Map<String, org.agentrouter.rollout.VariantStats> reported = new java.util.HashMap<>();
            for (var r : h.getSideOutput(RouterOutputs.VARIANT_STATS)) {
                var s = r.getValue();
                reported.merge(s.role + " " + s.version + " " + s.shadow, s, (a, b) -> {
                    a.decisions += b.decisions;
                    a.scoringFailures += b.scoringFailures;
                    return a;
                });
            }
            assertEquals(java.util.Set.of("champion 1.0.0 false", "challenger 1.1.0 true"), reported.keySet());
            assertEquals(2, reported.get("challenger 1.1.0 true").decisions);
            assertEquals(1, reported.get("challenger 1.1.0 true").scoringFailures);
            assertEquals(0, reported.get("champion 1.0.0 false").scoringFailures);
        }
    }

    private static String describe(RoutingMetric m) {
        return m.getRoute() + " " + m.getModelRole() + " " + m.getModelVersion() + " " + m.getShadow();
    }
}
