package org.agentrouter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.agentrouter.runtime.EmbeddedStack;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java client against a real broker and the real job: concurrent calls get the router's decisions;
 * with the job cancelled they get local fallbacks within their deadline and the breaker opens; with the
 * job started again routing resumes and the breaker closes. One ordered scenario, since each step
 * depends on the state the previous one left.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouterClientEndToEndTest {
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final Duration COOL_DOWN = Duration.ofSeconds(2);

    @TempDir
    static Path dir;

    private EmbeddedStack stack;
    private RouterClient client;
    private final Random rnd = new Random(3);

    @BeforeAll
    void start() throws Exception {
        stack = EmbeddedStack.start(dir);
        client = RouterClient.builder(stack.bootstrap()).deadline(DEADLINE)
                .breaker(5, Duration.ofSeconds(30), COOL_DOWN).build();
    }

    @AfterAll
    void stop() throws Exception {
        if (client != null) client.close();
        if (stack != null) stack.close();
    }

    @Test
    void routesFallsBackWhileTheJobIsDownAndRecovers() throws Exception {
        // The first query waits for the job to be ready (MiniLM, ONNX sessions): a generous deadline.
        RoutingDecision first = client.route(query(), Duration.ofSeconds(40)).get();
        assertEquals(FallbackLevel.NONE, first.getFallbackLevel(), "the job is up: " + first.getFallbackReason());

        List<AgentQuery> queries = new ArrayList<>();
        List<CompletableFuture<RoutingDecision>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            AgentQuery q = query();
            queries.add(q);
            calls.add(client.route(q, Duration.ofSeconds(10)));
        }
        for (int i = 0; i < calls.size(); i++) {
            RoutingDecision d = calls.get(i).get();
            assertEquals(queries.get(i).getQueryId(), d.getQueryId());
            assertNotEquals(FallbackLevel.CLIENT_FALLBACK, d.getFallbackLevel(), d.getFallbackReason());
        }
        client.feedback(feedback(first)).get(5, TimeUnit.SECONDS);
        assertEquals(CircuitBreaker.State.CLOSED, client.breakerState());

        stack.cancelJob();
        long started = System.nanoTime();
        List<CompletableFuture<RoutingDecision>> unanswered = new ArrayList<>();
        for (int i = 0; i < 5; i++) unanswered.add(client.route(query()));
        for (CompletableFuture<RoutingDecision> call : unanswered) {
            RoutingDecision d = call.get();
            assertEquals(FallbackLevel.CLIENT_FALLBACK, d.getFallbackLevel());
            assertTrue(d.getFallbackReason().contains("no decision within"), d.getFallbackReason());
        }
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        // The deadline is the client's contract; the margin absorbs scheduling on a loaded 2-core CI machine.
        assertTrue(tookMs < DEADLINE.toMillis() + 1_500, "fallbacks within deadline + margin, took " + tookMs + " ms");
        assertEquals(CircuitBreaker.State.OPEN, client.breakerState());

        // An open breaker answers without publishing or waiting: its reason says so (speed is not asserted here).
        RoutingDecision refused = client.route(query()).get();
        assertTrue(refused.getFallbackReason().startsWith("circuit breaker open"), refused.getFallbackReason());

        stack.startJob();
        // Probes after each cool-down; the restarted job resumes from its committed offsets.
        RoutingDecision recovered = null;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < until) {
            if (client.breakerState() == CircuitBreaker.State.OPEN) {
                Thread.sleep(200);
                continue;
            }
            RoutingDecision d = client.route(query(), Duration.ofSeconds(20)).get();
            if (d.getFallbackLevel() != FallbackLevel.CLIENT_FALLBACK) {
                recovered = d;
                break;
            }
        }
        assertTrue(recovered != null, "routing resumed after the job restarted");
        assertEquals(CircuitBreaker.State.CLOSED, client.breakerState());
    }

    @Test
    void anInvalidQueryIsAPermanentError() {
        AgentQuery noText = AgentQuery.newBuilder(query()).setText("").build();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> client.route(noText).get());
        assertTrue(e.getCause() instanceof PermanentRouterException);
        assertTrue(!((RouterException) e.getCause()).retriable());
    }

    private AgentQuery query() {
        List<Float> v = new ArrayList<>();
        for (float x : EmbeddedStack.randomUnitVector(rnd)) v.add(x);
        return AgentQuery.newBuilder().setQueryId(UUID.randomUUID().toString()).setNamespace(EmbeddedStack.NAMESPACE)
                .setUserId("u1").setText("How do I rotate the API keys of service " + rnd.nextInt(50) + "?")
                .setEmbedding(v).setEventTimeMs(System.currentTimeMillis()).setContextK(3).build();
    }

    private static RoutingFeedback feedback(RoutingDecision d) {
        RoutingFeedback f = RouterClient.feedbackFor(d).setSuccess(true).build();
        assertEquals(d.getModelVersion(), f.getModelVersion());
        return f;
    }
}
