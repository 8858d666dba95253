package org.agentrouter.job;

import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.flink.CandidateScorer;
import org.agentrouter.flink.FeedbackDecoder;
import org.agentrouter.flink.FeedbackOutcome;
import org.agentrouter.flink.GuaranteeMonitor;
import org.agentrouter.flink.KafkaMessage;
import org.agentrouter.flink.MemoryDecoder;
import org.agentrouter.flink.MemoryEvent;
import org.agentrouter.flink.QueryDecoder;
import org.agentrouter.flink.QueryEmbedder;
import org.agentrouter.flink.RawRecord;
import org.agentrouter.flink.MemoryRetriever;
import org.agentrouter.flink.RouterConfig;
import org.agentrouter.flink.RouterOutputs;
import org.agentrouter.flink.ConformalRouter;
import org.agentrouter.query.QueryContext;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The routing topology. Its sources and sinks are named arguments ({@link RouterEndpoints}), so the same graph
 * runs on Kafka in production ({@link KafkaEndpoints}) and on bounded sources with collecting sinks in tests
 * ({@code RouterJobGraphTest}).
 *
 * <pre>
 * agent-queries -> decode -> embed -> keyBy(namespace) -> retrieve -> score (+ router-models broadcast) -> route
 *  health ticks /      \________\____ dead letters      /   (keyed state: memories, recent queries,          \-> routing-metrics
 *                                                      /     feedback, learner outcomes; index)               \-> router-health
 * agent-memories -> decode -> keyBy(namespace) -------+    \-> changed memories -> agent-memories
 * routing-feedback -> decode -+-> keyBy(namespace) ---/
 *                             \-> keyBy(model version) -> guarantee monitor (rolling violation rate) -> model-events
 * </pre>
 *
 * <p>Memory: the compacted agent-memories topic is the record of every memory; retrieval keeps each
 * namespace's memories in keyed state (checkpointed, redistributed on rescale) and searches an in-memory
 * index built from it. Outcomes on routing-feedback reach the same keyed operator, which is the one writer
 * of its namespaces, and the memories they change are published back to agent-memories. With --learning on, the
 * same operator keeps each namespace's outcome counts and makes the learner's decision the route stage applies.</p>
 *
 * <p>Health: a tick source (one tick per interval and reader, independent of query traffic) is unioned
 * with the queries, so each tick becomes a probe that takes the queries' own path: decode keys it to one
 * retrieval subtask, retrieve records store and breaker state, score records the model and its breaker,
 * route adds its recent error and fallback counts and publishes a RouterHealth record. A probe that does
 * not come out (a stage stuck or down) shows as a stale status; one that comes out late shows backpressure.
 * Functions cannot see each other's state in Flink, so the status is collected where it lives instead of
 * being read by a separate operator.
 */
public final class RouterJob {
    public static final String JOB_NAME = "agent-query-router";

    private final RouterEndpoints endpoints;
    private final RouterConfig config;

    public RouterJob(RouterEndpoints endpoints, RouterConfig config) {
        this.endpoints = endpoints;
        this.config = config.validate();
    }

    /** Entry point on a Flink cluster: {@code flink run job-0.1.0-SNAPSHOT-cluster.jar --bootstrap HOST:PORT [options]}. */
    public static void main(String[] args) throws Exception {
        org.agentrouter.wire.AvroLimits.install();
        ClusterJobCommand cmd = new ClusterJobCommand();
        new picocli.CommandLine(cmd).parseArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // Runs where `flink run` runs (the client): --kafka-properties is read and a --store seed is published to
        // agent-memories from here; the settings travel to the TaskManagers inside the Kafka sources and sinks.
        onKafka(env, cmd.options.kafka(cmd.bootstrap), cmd.options);
        env.execute(JOB_NAME);
    }

    /**
     * The one launch recipe of the job on Kafka, whoever starts it ({@code flink run}, {@code ./router run}, {@code submit},
     * the demo, the tests): {@code env} configured as the options say (parallelism, checkpoints, state backend), the
     * {@code --store} seed published to agent-memories from where the graph is built, and the graph on the Kafka topics
     * added to {@code env}. The caller executes it.
     */
    public static void onKafka(StreamExecutionEnvironment env, KafkaConnection kafka, JobOptions options) {
        FlinkEnvironments.configure(env, options);
        MemoryPublisher.seed(kafka, options.store);
        new KafkaEndpoints(kafka, options.groupId, options.deliveryGuarantee()).job(options.routerConfig()).build(env);
    }

    /** {@link #onKafka(StreamExecutionEnvironment, KafkaConnection, JobOptions)} with the options' {@code --kafka-properties}. */
    public static void onKafka(StreamExecutionEnvironment env, String bootstrap, JobOptions options) {
        onKafka(env, options.kafka(bootstrap), options);
    }

    /**
     * An operator off the decision path: its network outputs flush every {@code sideBufferTimeoutMs} rather than every
     * few milliseconds. Each output with a timeout has a flusher thread; at the job's 5 ms, some twenty of them woke
     * 4,000 times a second in an idle job (issue 19's profile). A memory, an outcome or a model release then waits up
     * to that long more in a buffer; decisions and the dead letters of the query path do not.
     */
    <T> SingleOutputStreamOperator<T> side(SingleOutputStreamOperator<T> operator) {
        return config.sideBufferTimeoutMs < 0 ? operator : operator.setBufferTimeout(config.sideBufferTimeoutMs);
    }

    /** Adds the topology to {@code env}; the caller executes it. */
    public void build(StreamExecutionEnvironment env) {
        DataStream<RawRecord> raw = env
                .fromSource(endpoints.queries(), WatermarkStrategy.noWatermarks(), "agent-queries").uid("agent-queries-source");
        if (config.healthIntervalMs > 0) {
            // One tick reader, each tick broadcast to every decode subtask. A reader per subtask would not survive
            // rescaling: the generator's splits are cut once for the first parallelism, so readers added by a
            // rescale get no split and finish, and their decode subtasks would send no probes.
            raw = raw.union(side(env.fromSource(HealthTicks.every(config.healthIntervalMs), WatermarkStrategy.noWatermarks(),
                    "health ticks").uid("health-ticks-source").setParallelism(1)).broadcast());
        }
        // One partition, read by one reader, fanned out to every scorer by broadcast.
        BroadcastStream<byte[]> releases = side(env
                .fromSource(endpoints.models(), WatermarkStrategy.noWatermarks(), "router-models").uid("router-models-source")
                .setParallelism(1))
                .broadcast(CandidateScorer.MODEL_STATE);

        SingleOutputStreamOperator<QueryContext> decoded = raw
                .process(new QueryDecoder(config.retrievalK, config.limits, config.tracing)).name("decode + validate").uid("decode");
        SingleOutputStreamOperator<QueryContext> embedded = decoded
                .process(new QueryEmbedder(MiniLmEmbedder.Variant.parse(config.embedder), config.tracing)).name("embed (MiniLM)").uid("embed");
        // Outcomes reported on routing-feedback: a rolling violation rate per model version, drift on model-events.
        SingleOutputStreamOperator<FeedbackOutcome> outcomes = side(side(env
                .fromSource(endpoints.feedback(), WatermarkStrategy.noWatermarks(), "routing-feedback").uid("routing-feedback-source"))
                .process(new FeedbackDecoder(config)).name("decode feedback").uid("decode-feedback"));
        // Memories of agent-memories and outcomes of routing-feedback, keyed by namespace like the queries.
        SingleOutputStreamOperator<MemoryEvent> memoryEvents = side(side(env
                .fromSource(endpoints.memories(), WatermarkStrategy.noWatermarks(), "agent-memories").uid("agent-memories-source"))
                .process(new MemoryDecoder(config.limits)).name("decode memories").uid("decode-memories"));
        DataStream<MemoryEvent> memoryChanges = memoryEvents.union(outcomes.getSideOutput(RouterOutputs.MEMORY_FEEDBACK));
        SingleOutputStreamOperator<QueryContext> retrieved = embedded
                .keyBy(q -> q.namespace)
                .connect(memoryChanges.keyBy(e -> e.namespace))
                .process(new MemoryRetriever(config))
                .name("retrieve (memory state + index)").uid("retrieve");
        SingleOutputStreamOperator<QueryContext> scored = retrieved
                .connect(releases)
                .process(new CandidateScorer(config.bundledModel, config.scorerBreaker, config.modelKeys, config.tracing))
                .name("score (ONNX)").uid("score");
        SingleOutputStreamOperator<KafkaMessage> routed = scored
                .process(new ConformalRouter(config)).name("route (conformal)").uid("route");

        SingleOutputStreamOperator<KafkaMessage> guarantee = side(outcomes
                .keyBy(o -> o.modelVersion)
                .process(new GuaranteeMonitor(config.feedbackWindow, config.feedbackMinOutcomes))
                .name("guarantee monitor").uid("guarantee-monitor"));

        routed.sinkTo(endpoints.decisions()).name("routing-decisions").uid("routing-decisions-sink");
        routed.getSideOutput(RouterOutputs.ROUTING_METRICS)
                .sinkTo(endpoints.metrics()).name("routing-metrics").uid("routing-metrics-sink");
        DataStream<KafkaMessage> events = scored.getSideOutput(RouterOutputs.MODEL_EVENTS).union(guarantee);
        if (endpoints.rolloutControls() != null) {
            events = events.union(RolloutSafety.judge(routed, guarantee, endpoints.rolloutControls(), config));
        }
        events.sinkTo(endpoints.modelEvents()).name("model-events").uid("model-events-sink");
        routed.getSideOutput(RouterOutputs.HEALTH)
                .sinkTo(endpoints.health()).name("router-health").uid("router-health-sink");
        retrieved.getSideOutput(RouterOutputs.MEMORY_UPDATES)
                .sinkTo(endpoints.memoryUpdates()).name("agent-memories (learned)").uid("agent-memories-sink");
        // Every stage dead-letters: bad input at the decoders, and any record on which a later stage's own code threw.
        decoded.getSideOutput(RouterOutputs.DEAD_LETTERS)
                .union(embedded.getSideOutput(RouterOutputs.DEAD_LETTERS), outcomes.getSideOutput(RouterOutputs.DEAD_LETTERS),
                        memoryEvents.getSideOutput(RouterOutputs.DEAD_LETTERS), retrieved.getSideOutput(RouterOutputs.DEAD_LETTERS),
                        scored.getSideOutput(RouterOutputs.DEAD_LETTERS), routed.getSideOutput(RouterOutputs.DEAD_LETTERS))
                .sinkTo(endpoints.deadLetters()).name("agent-queries-dlq").uid("dead-letter-sink");
    }
}
