package org.agentrouter.client;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the router which model should answer a query. Thread-safe; one instance serves many concurrent
 * calls through one producer and one {@link DecisionListener}.
 *
 * <p>{@link #route} never leaves an agent waiting past its deadline: when the router does not answer
 * in time, the broker refuses the query or the circuit breaker is open, the future completes with a
 * {@link ClientFallback} decision (fallback level CLIENT_FALLBACK). It completes exceptionally only
 * for permanent errors: an invalid query, or a decision this client cannot read.
 */
public final class RouterClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RouterClient.class);
    static final String QUERIES_TOPIC = org.agentrouter.wire.Topics.AGENT_QUERIES;
    static final String FEEDBACK_TOPIC = org.agentrouter.wire.Topics.ROUTING_FEEDBACK;

    private final KafkaProducer<String, byte[]> producer;
    private final DecisionListener decisions;
    private final CircuitBreaker breaker;
    private final ClientFallback fallback;
    private final Duration defaultDeadline;
    private final Tracer tracer;

    private RouterClient(Builder b) throws InterruptedException {
        this.tracer = (b.openTelemetry != null ? b.openTelemetry : GlobalOpenTelemetry.get()).getTracer(RouteSpan.SCOPE);
        this.breaker = new CircuitBreaker(b.failureThreshold, b.failureWindow, b.coolDown);
        this.fallback = new ClientFallback(b.cheapModel, b.strongModel);
        this.defaultDeadline = b.deadline;
        this.producer = new KafkaProducer<>(producerConfig(b), new StringSerializer(), new ByteArraySerializer());
        this.decisions = new DecisionListener(b.bootstrap, b.clientId, b.kafkaProperties);
        try {
            decisions.start(b.startTimeout);
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    public static Builder builder(String bootstrap) {
        return new Builder(bootstrap);
    }

    public CompletableFuture<RoutingDecision> route(AgentQuery query) {
        return route(query, defaultDeadline);
    }

    public CompletableFuture<RoutingDecision> route(AgentQuery query, Duration deadline) {
        return routeTraced(query, deadline).thenApply(TracedDecision::decision);
    }

    /** {@link #route(AgentQuery)}, with the decision's trace context for the agent's next span (its LLM call). */
    public CompletableFuture<TracedDecision> routeTraced(AgentQuery query) {
        return routeTraced(query, defaultDeadline);
    }

    /**
     * {@link #route(AgentQuery, Duration)}, with the decision's trace context. The call is a PRODUCER span
     * {@code route} (a child of the caller's current span) whose context goes on the query record as a W3C
     * {@code traceparent} header; the router's spans of the query are its children, and the decision comes back with
     * the router's routing span as {@link TracedDecision#context()}.
     */
    public CompletableFuture<TracedDecision> routeTraced(AgentQuery query, Duration deadline) {
        String invalid = QueryValidation.problem(query);
        if (invalid != null) {
            return CompletableFuture.failedFuture(new PermanentRouterException("invalid query: " + invalid, null));
        }
        RouteSpan span = RouteSpan.start(tracer, query);
        if (!breaker.allowsCall()) {
            return CompletableFuture.completedFuture(span.fallback(fallback.decide(query, "circuit breaker open")));
        }
        byte[] bytes;
        try {
            bytes = AvroWire.QUERY.encode(query);
        } catch (IllegalArgumentException e) {
            span.failed(e);
            return CompletableFuture.failedFuture(new PermanentRouterException(e.getMessage(), e));
        }
        CompletableFuture<TracedDecision> answer = decisions.expect(query.getQueryId());
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(QUERIES_TOPIC, query.getNamespace(), bytes);
        span.inject(record.headers());
        producer.send(record, (meta, error) -> {
            if (error != null) {
                answer.completeExceptionally(new RetriableRouterException("broker did not take the query: " + error, error));
            } else {
                span.sent(meta.partition(), meta.offset());
            }
        });
        answer.orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS);
        return answer.handle((decision, error) -> {
            if (error == null) {
                breaker.recordSuccess();
                return span.decided(decision);
            }
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            if (cause instanceof PermanentRouterException p) {
                span.failed(p);
                throw p;
            }
            breaker.recordFailure();
            String why = cause instanceof TimeoutException
                    ? "no decision within " + deadline.toMillis() + " ms" : cause.getMessage();
            return span.fallback(fallback.decide(query, why));
        });
    }

    /**
     * Feedback for a decision, filled from it (query id, namespace, model, route, the model version and alpha the
     * job uses to keep its live violation rate per version); the caller adds the outcome (success or quality).
     */
    public static RoutingFeedback.Builder feedbackFor(RoutingDecision decision) {
        return RoutingFeedback.newBuilder()
                .setQueryId(decision.getQueryId())
                .setNamespace(decision.getNamespace())
                .setModel(decision.getModel())
                .setRoute(decision.getRoute())
                .setModelVersion(decision.getModelVersion())
                .setAlpha(decision.getAlpha() > 0 && decision.getAlpha() < 1 ? decision.getAlpha() : null)
                .setEventTimeMs(System.currentTimeMillis());
    }

    /**
     * Feedback for a decision with its outcome and, for a decision with {@code probe = true}, the other route's outcome
     * (null when the decision asked for no probe or the agent did not call it).
     */
    public static RoutingFeedback.Builder feedbackFor(RoutingDecision decision, boolean success, Boolean probeSuccess) {
        RoutingFeedback.Builder f = feedbackFor(decision).setSuccess(success);
        if (probeSuccess != null) f.setProbeRoute(otherRoute(decision)).setProbeSuccess(probeSuccess);
        return f;
    }

    /** The route a probe asks the agent to call as well: the other of the two routes ("cheap", "strong"). */
    public static String otherRoute(RoutingDecision decision) {
        return "strong".equals(decision.getRoute()) ? "cheap" : "strong";
    }

    /** The agent's call of the model behind a route: whether it answered well. */
    @FunctionalInterface
    public interface ModelCall {
        /** @param model the decision's model for its own route; null for the probed route (the agent's model for it) */
        boolean answeredWell(String route, String model) throws Exception;
    }

    /**
     * Answers a decision for the agent: calls its route through {@code call}, and when the decision asks for a probe
     * ({@code probe = true}: the namespace's learner wants both outcomes) the other route too, then publishes the
     * feedback with both outcomes. The probe costs the agent a second call; the router counts it against the savings.
     * A probe call that throws is reported without the probe's outcome.
     */
    public CompletableFuture<RoutingFeedback> answer(RoutingDecision decision, ModelCall call) {
        boolean success;
        try {
            success = call.answeredWell(decision.getRoute(), decision.getModel());
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
        Boolean probeSuccess = null;
        if (decision.getProbe()) {
            try {
                probeSuccess = call.answeredWell(otherRoute(decision), null);
            } catch (Exception e) {
                LOG.warn("probe call of route {} for query {} failed: {}", otherRoute(decision), decision.getQueryId(), e.toString());
            }
        }
        RoutingFeedback f = feedbackFor(decision, success, probeSuccess).build();
        return feedback(f).thenApply(v -> f);
    }

    /** Publishes what happened to a routed query; the future fails with a retriable error when the broker refuses it. */
    public CompletableFuture<Void> feedback(RoutingFeedback outcome) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        byte[] bytes;
        try {
            bytes = AvroWire.FEEDBACK.encode(outcome);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new PermanentRouterException(e.getMessage(), e));
        }
        producer.send(new ProducerRecord<>(FEEDBACK_TOPIC, outcome.getNamespace(), bytes), (meta, error) -> {
            if (error == null) done.complete(null);
            else done.completeExceptionally(new RetriableRouterException("broker did not take the feedback: " + error, error));
        });
        return done;
    }

    public CircuitBreaker.State breakerState() {
        return breaker.state();
    }

    @Override
    public void close() {
        if (decisions != null) decisions.close();
        if (producer != null) producer.close(Duration.ofSeconds(2));
    }

    private static Properties producerConfig(Builder b) {
        Properties p = new Properties();
        p.putAll(b.kafkaProperties);
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, b.bootstrap);
        p.setProperty(ProducerConfig.CLIENT_ID_CONFIG, b.clientId);
        // A routing question is worth nothing after its deadline: fail fast instead of buffering for minutes.
        long deliveryMs = Math.max(b.deadline.toMillis(), 1000);
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "0");
        p.setProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(deliveryMs));
        p.setProperty(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(deliveryMs));
        p.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(deliveryMs));
        p.setProperty(ProducerConfig.ACKS_CONFIG, "1");
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        return p;
    }

    /** Configuration with defaults that suit an interactive agent. */
    public static final class Builder {
        private final String bootstrap;
        private String clientId = "router-client-" + UUID.randomUUID().toString().substring(0, 8);
        private Duration deadline = Duration.ofMillis(500);
        private int failureThreshold = 5;
        private Duration failureWindow = Duration.ofSeconds(10);
        private Duration coolDown = Duration.ofSeconds(5);
        private Duration startTimeout = Duration.ofSeconds(30);
        private String cheapModel = "mixtral-8x7b-instruct";
        private String strongModel = "gpt-4-1106-preview";
        private final Properties kafkaProperties = new Properties();
        private OpenTelemetry openTelemetry;

        private Builder(String bootstrap) {
            this.bootstrap = bootstrap;
        }

        public Builder clientId(String id) { this.clientId = id; return this; }
        public Builder deadline(Duration d) { this.deadline = d; return this; }
        /** The breaker opens after {@code failures} failed calls within {@code window}, for {@code coolDown}. */
        public Builder breaker(int failures, Duration window, Duration coolDown) {
            this.failureThreshold = failures;
            this.failureWindow = window;
            this.coolDown = coolDown;
            return this;
        }
        public Builder startTimeout(Duration d) { this.startTimeout = d; return this; }

        /**
         * Standard Kafka client settings for the client's producer and consumer, typically the agent's
         * credentials from a properties file: {@code security.protocol}, {@code sasl.mechanism},
         * {@code sasl.jaas.config}, {@code ssl.*}. The client's own settings (timeouts, acks, offsets) are applied
         * after them. Default: none (PLAINTEXT). The principal needs WRITE on agent-queries and routing-feedback
         * and READ on routing-decisions (README "Authenticated Kafka").
         */
        public Builder kafkaProperties(Properties settings) {
            this.kafkaProperties.clear();
            this.kafkaProperties.putAll(settings);
            return this;
        }
        /**
         * Where the client's spans go: the agent's OpenTelemetry SDK. Default: {@link GlobalOpenTelemetry} (the Java
         * agent's, or a no-op that still forwards the caller's current trace context to the router).
         */
        public Builder openTelemetry(OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
            return this;
        }

        /** Models the local fallback names for its cheap and strong routes. */
        public Builder fallbackModels(String cheap, String strong) {
            this.cheapModel = cheap;
            this.strongModel = strong;
            return this;
        }

        /** Connects: returns once the client listens for decisions. */
        public RouterClient build() throws InterruptedException {
            return new RouterClient(this);
        }
    }
}
