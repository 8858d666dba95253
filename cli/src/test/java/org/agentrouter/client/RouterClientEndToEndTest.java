package org.agentrouter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
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
        // The job traces to the in-memory exporter the test reads (the agent's sampled queries, 1% of the others).
        stack = EmbeddedStack.start(dir, o -> o.spanExporterFactory = InMemorySpanExporterFactory.class.getName());
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

    /**
     * One trace from the agent's call through every stage of the job to the agent's LLM call: the client's PRODUCER span,
     * the job's consume span as its child, a span per stage under that (embed only for the query without a vector), and
     * the LLM call as a child of the job's routing step, whose context came back on the decision's headers. A query the
     * agent chose not to sample gets no job span and its own context back unchanged.
     */
    @Test
    void aSampledQueryIsOneTraceFromTheAgentThroughEveryStageToItsLlmCall() throws Exception {
        InMemorySpanExporter agentSpans = InMemorySpanExporter.create();
        Sampler[] sampler = {Sampler.alwaysOn()};
        SdkTracerProvider provider = SdkTracerProvider.builder().setSampler(new Sampler() {
            public SamplingResult shouldSample(io.opentelemetry.context.Context parent, String traceId, String name,
                                               io.opentelemetry.api.trace.SpanKind kind, io.opentelemetry.api.common.Attributes a,
                                               List<io.opentelemetry.sdk.trace.data.LinkData> links) {
                return sampler[0].shouldSample(parent, traceId, name, kind, a, links);
            }

            public String getDescription() {
                return "switchable";
            }
        }).addSpanProcessor(SimpleSpanProcessor.create(agentSpans)).build();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(provider).build();
        try (RouterClient traced = RouterClient.builder(stack.bootstrap()).deadline(DEADLINE).openTelemetry(sdk).build()) {
            Tracer agent = sdk.getTracer("test-agent");
            AgentQuery withVector = query();
            AgentQuery textOnly = AgentQuery.newBuilder(query()).setEmbedding(null).build();
            for (AgentQuery q : List.of(withVector, textOnly)) {
                TracedDecision routed = traced.routeTraced(q, Duration.ofSeconds(40)).get();
                assertEquals(FallbackLevel.NONE, routed.decision().getFallbackLevel(), routed.decision().getFallbackReason());
                Span llm = agent.spanBuilder("chat " + routed.decision().getModel()).setSpanKind(SpanKind.CLIENT)
                        .setParent(routed.context()).startSpan();
                llm.end();
                SpanData client = only(agentSpans.getFinishedSpanItems(), s -> s.getName().equals("route")
                        && q.getQueryId().equals(s.getAttributes().get(AttributeKey.stringKey("messaging.message.id"))));
                assertEquals(SpanKind.PRODUCER, client.getKind());
                String trace = client.getTraceId();
                List<SpanData> job = awaitJobSpans(trace, q.getEmbedding() == null ? 6 : 5);
                SpanData consume = only(job, s -> s.getName().equals("process agent-queries"));
                assertEquals(SpanKind.CONSUMER, consume.getKind());
                assertEquals(client.getSpanId(), consume.getParentSpanId(), "the job's consume span is the agent's span's child");
                assertEquals(q.getQueryId(), consume.getAttributes().get(AttributeKey.stringKey("messaging.message.id")));
                List<String> stages = q.getEmbedding() == null ? List.of("decode", "embed", "retrieve", "score", "route")
                        : List.of("decode", "retrieve", "score", "route");
                for (String stage : stages) {
                    SpanData span = only(job, s -> s.getName().equals(stage) && s.getKind() == SpanKind.INTERNAL);
                    assertEquals(consume.getSpanId(), span.getParentSpanId(), stage + " is a child of the consume span");
                }
                assertEquals(q.getEmbedding() == null ? 1 : 0, job.stream().filter(s -> s.getName().equals("embed")).count());
                SpanData route = only(job, s -> s.getName().equals("route") && s.getKind() == SpanKind.INTERNAL);
                assertEquals(routed.decision().getRoute(), route.getAttributes().get(AttributeKey.stringKey("agent_router.route")));
                assertEquals(route.getSpanId(), routed.spanContext().getSpanId(), "the decision carries the routing span");
                SpanData llmData = only(agentSpans.getFinishedSpanItems(), s -> s.getSpanId().equals(llm.getSpanContext().getSpanId()));
                assertEquals(trace, llmData.getTraceId());
                assertEquals(route.getSpanId(), llmData.getParentSpanId(), "the LLM call continues from the routing step");
                for (SpanData s : job) {
                    s.getAttributes().forEach((k, v) -> assertFalse(String.valueOf(v).contains(q.getText()), "query text in " + k));
                }
            }

            // The agent does not sample this one: the job records nothing and hands the agent's own context back.
            sampler[0] = Sampler.alwaysOff();
            AgentQuery unsampled = query();
            TracedDecision routed = traced.routeTraced(unsampled, Duration.ofSeconds(20)).get();
            assertEquals(FallbackLevel.NONE, routed.decision().getFallbackLevel());
            SpanContext back = routed.spanContext();
            assertTrue(back.isValid() && !back.isSampled(), "the unsampled context came back: " + routed.traceparent());
            Thread.sleep(2_000); // a job span would have been exported by now (export delay 1 s)
            assertEquals(List.of(), spansOf(back.getTraceId()), "no job span for an unsampled query");
        } finally {
            provider.close();
        }
    }

    private static List<SpanData> spansOf(String traceId) {
        return InMemorySpanExporterFactory.SPANS.getFinishedSpanItems().stream().filter(s -> s.getTraceId().equals(traceId)).toList();
    }

    private static List<SpanData> awaitJobSpans(String traceId, int count) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        List<SpanData> spans = spansOf(traceId);
        while (spans.size() < count && System.nanoTime() < until) {
            Thread.sleep(100);
            spans = spansOf(traceId);
        }
        assertEquals(count, spans.size(), "the job's spans of trace " + traceId + ": " + spans);
        return spans;
    }

    private static SpanData only(List<SpanData> spans, java.util.function.Predicate<SpanData> which) {
        List<SpanData> found = spans.stream().filter(which).toList();
        assertEquals(1, found.size(), "exactly one such span among " + spans);
        return found.get(0);
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
