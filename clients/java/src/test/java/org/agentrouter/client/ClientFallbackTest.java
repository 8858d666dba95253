package org.agentrouter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.junit.jupiter.api.Test;

class ClientFallbackTest {
    private final ClientFallback fallback = new ClientFallback("cheap-model", "strong-model");

    private static AgentQuery query(String text, List<String> tags) {
        return AgentQuery.newBuilder().setQueryId("q1").setNamespace("ns").setText(text)
                .setEventTimeMs(1L).setTags(tags).build();
    }

    @Test
    void plainQuestionGoesCheap() {
        RoutingDecision d = fallback.decide(query("What is the capital of France?", List.of()), "deadline");
        assertEquals("cheap", d.getRoute());
        assertEquals("cheap-model", d.getModel());
        assertEquals(FallbackLevel.CLIENT_FALLBACK, d.getFallbackLevel());
        assertTrue(d.getFallbackReason().startsWith("deadline"));
        assertEquals("q1", d.getQueryId());
    }

    @Test
    void codeMathLongTextAndTagsGoStrong() {
        assertEquals("code in the query", ClientFallback.strongReason("def f(x):\n  return x", List.of()));
        assertEquals("mathematics in the query", ClientFallback.strongReason("Solve for x: 3 + 4 = x", List.of()));
        assertTrue(ClientFallback.strongReason("a".repeat(1501), List.of()).startsWith("long query"));
        assertNull(ClientFallback.strongReason("a".repeat(1500), List.of()));
        assertEquals("tag Reasoning", ClientFallback.strongReason("hello", List.of("Reasoning")));
        RoutingDecision d = fallback.decide(query("```java\nint x;\n```", List.of()), "breaker open");
        assertEquals("strong", d.getRoute());
        assertEquals("strong-model", d.getModel());
        assertTrue(d.getFallbackReason().contains("code in the query"));
    }
}
