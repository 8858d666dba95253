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
import org.agentrouter.flink.RetrievalFunction;
import org.agentrouter.flink.RouterConfig;
import org.agentrouter.flink.RouterOutputs;
import org.agentrouter.flink.RoutingFunction;
import org.agentrouter.routing.QueryContext;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.BroadcastStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The routing topology. Sources and sinks are arguments, so the same graph runs on Kafka in
 * production ({@link KafkaEndpoints}) and on bounded sources in tests.
 *
 * <pre>
 * agent-queries -> decode -> embed -> keyBy(namespace) -> retrieve -> score (+ router-models broadcast) -> route
 *  health ticks /      \________\____ dead letters      /   (keyed state: memories, recent queries,          \-> routing-metrics
 *                                                      /     applied feedback; in-memory index)               \-> router-health
 * agent-memories -> decode -> keyBy(namespace) -------+    \-> changed memories -> agent-memories
 * routing-feedback -> decode -+-> keyBy(namespace) ---/
 *                             \-> keyBy(model version) -> guarantee monitor (rolling violation rate) -> model-events
 * </pre>
 *
 * <p>Memory: the compacted agent-memories topic is the record of every memory; retrieval keeps each
 * namespace's memories in keyed state (checkpointed, redistributed on rescale) and searches an in-memory
 * index built from it. Outcomes on routing-feedback reach the same keyed operator, which is the one writer
 * of its namespaces, and the memories they change are published back to agent-memories.</p>
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

    private final Source<RawRecord, ?, ?> queries;
    private final Source<byte[], ?, ?> models;
    private final Source<RawRecord, ?, ?> feedback;
    private final Source<RawRecord, ?, ?> memories;
    private final Sink<KafkaMessage> memoryUpdates;
    private final Sink<KafkaMessage> decisions;
    private final Sink<KafkaMessage> metrics;
    private final Sink<KafkaMessage> deadLetters;
    private final Sink<KafkaMessage> modelEvents;
    private final Sink<KafkaMessage> health;
    private final RouterConfig config;
    /** router-models, for the rollout judge's automatic rollbacks; null: no judge. */
    private Sink<KafkaMessage> rolloutControls;

    public RouterJob(Source<RawRecord, ?, ?> queries, Source<byte[], ?, ?> models, Source<RawRecord, ?, ?> feedback,
                     Source<RawRecord, ?, ?> memories, Sink<KafkaMessage> decisions,
                     Sink<KafkaMessage> metrics, Sink<KafkaMessage> deadLetters, Sink<KafkaMessage> modelEvents,
                     Sink<KafkaMessage> health, Sink<KafkaMessage> memoryUpdates, RouterConfig config) {
        this.queries = queries;
        this.models = models;
        this.feedback = feedback;
        this.memories = memories;
        this.memoryUpdates = memoryUpdates;
        this.decisions = decisions;
        this.metrics = metrics;
        this.deadLetters = deadLetters;
        this.modelEvents = modelEvents;
        this.health = health;
        this.config = config.validate();
    }

    /** Adds the rollout judge, which publishes its automatic rollbacks to {@code controls} (router-models). */
    public RouterJob withRolloutJudge(Sink<KafkaMessage> controls) {
        this.rolloutControls = controls;
        return this;
    }

    /** Entry point on a Flink cluster: {@code flink run router-job-cluster.jar --bootstrap HOST:PORT [options]}. */
    public static void main(String[] args) throws Exception {
        org.agentrouter.wire.AvroLimits.install();
        ClusterJobCommand cmd = new ClusterJobCommand();
        new picocli.CommandLine(cmd).parseArgs(args);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FlinkEnvironments.configure(env, cmd.options);
        // Runs where `flink run` runs (the client): --kafka-properties is read and a --store seed is published to
        // agent-memories from here; the settings travel to the TaskManagers inside the Kafka sources and sinks.
        org.agentrouter.runtime.KafkaConnection kafka = cmd.options.kafka(cmd.bootstrap);
        org.agentrouter.runtime.MemoryPublisher.seed(kafka, cmd.options.store);
        new KafkaEndpoints(kafka, cmd.options.groupId, cmd.options.deliveryGuarantee())
                .job(cmd.options.routerConfig()).build(env);
        env.execute(JOB_NAME);
    }

    /** Adds the topology to {@code env}; the caller executes it. */
    public void build(StreamExecutionEnvironment env) {
        DataStream<RawRecord> raw = env
                .fromSource(queries, WatermarkStrategy.noWatermarks(), "agent-queries").uid("agent-queries-source");
        if (config.healthIntervalMs > 0) {
            // One tick reader, each tick broadcast to every decode subtask. A reader per subtask would not survive
            // rescaling: the generator's splits are cut once for the first parallelism, so readers added by a
            // rescale get no split and finish, and their decode subtasks would send no probes.
            raw = raw.union(env.fromSource(HealthTicks.every(config.healthIntervalMs), WatermarkStrategy.noWatermarks(),
                    "health ticks").uid("health-ticks-source").setParallelism(1).broadcast());
        }
        // One partition, read by one reader, fanned out to every scorer by broadcast.
        BroadcastStream<byte[]> releases = env
                .fromSource(models, WatermarkStrategy.noWatermarks(), "router-models").uid("router-models-source")
                .setParallelism(1)
                .broadcast(CandidateScorer.MODEL_STATE);

        SingleOutputStreamOperator<QueryContext> decoded = raw
                .process(new QueryDecoder(config.retrievalK, config.limits)).name("decode + validate").uid("decode");
        SingleOutputStreamOperator<QueryContext> embedded = decoded
                .process(new QueryEmbedder(MiniLmEmbedder.Variant.parse(config.embedder))).name("embed (MiniLM)").uid("embed");
        // Outcomes reported on routing-feedback: a rolling violation rate per model version, drift on model-events.
        SingleOutputStreamOperator<FeedbackOutcome> outcomes = env
                .fromSource(feedback, WatermarkStrategy.noWatermarks(), "routing-feedback").uid("routing-feedback-source")
                .process(new FeedbackDecoder(config)).name("decode feedback").uid("decode-feedback");
        // Memories of agent-memories and outcomes of routing-feedback, keyed by namespace like the queries.
        SingleOutputStreamOperator<MemoryEvent> memoryEvents = env
                .fromSource(memories, WatermarkStrategy.noWatermarks(), "agent-memories").uid("agent-memories-source")
                .process(new MemoryDecoder(config.limits)).name("decode memories").uid("decode-memories");
        DataStream<MemoryEvent> memoryChanges = memoryEvents.union(outcomes.getSideOutput(RouterOutputs.MEMORY_FEEDBACK));
        SingleOutputStreamOperator<QueryContext> retrieved = embedded
                .keyBy(q -> q.namespace)
                .connect(memoryChanges.keyBy(e -> e.namespace))
                .process(new RetrievalFunction(config))
                .name("retrieve (memory state + index)").uid("retrieve");
        SingleOutputStreamOperator<QueryContext> scored = retrieved
                .connect(releases)
                .process(new CandidateScorer(config.bundledModel, config.scorerBreaker, config.modelKeys)).name("score (ONNX)").uid("score");
        SingleOutputStreamOperator<KafkaMessage> routed = scored
                .process(new RoutingFunction(config)).name("route (conformal)").uid("route");

        SingleOutputStreamOperator<KafkaMessage> guarantee = outcomes
                .keyBy(o -> o.modelVersion)
                .process(new GuaranteeMonitor(config.feedbackWindow, config.feedbackMinOutcomes))
                .name("guarantee monitor").uid("guarantee-monitor");

        routed.sinkTo(decisions).name("routing-decisions").uid("routing-decisions-sink");
        routed.getSideOutput(RouterOutputs.ROUTING_METRICS)
                .sinkTo(metrics).name("routing-metrics").uid("routing-metrics-sink");
        DataStream<KafkaMessage> events = scored.getSideOutput(RouterOutputs.MODEL_EVENTS).union(guarantee);
        if (rolloutControls != null) {
            events = events.union(RolloutSafety.judge(routed, guarantee, rolloutControls, config));
        }
        events.sinkTo(modelEvents).name("model-events").uid("model-events-sink");
        routed.getSideOutput(RouterOutputs.HEALTH)
                .sinkTo(health).name("router-health").uid("router-health-sink");
        retrieved.getSideOutput(RouterOutputs.MEMORY_UPDATES)
                .sinkTo(memoryUpdates).name("agent-memories (learned)").uid("agent-memories-sink");
        // Every stage dead-letters: bad input at the decoders, and any record on which a later stage's own code threw.
        decoded.getSideOutput(RouterOutputs.DEAD_LETTERS)
                .union(embedded.getSideOutput(RouterOutputs.DEAD_LETTERS), outcomes.getSideOutput(RouterOutputs.DEAD_LETTERS),
                        memoryEvents.getSideOutput(RouterOutputs.DEAD_LETTERS), retrieved.getSideOutput(RouterOutputs.DEAD_LETTERS),
                        scored.getSideOutput(RouterOutputs.DEAD_LETTERS), routed.getSideOutput(RouterOutputs.DEAD_LETTERS))
                .sinkTo(deadLetters).name("agent-queries-dlq").uid("dead-letter-sink");
    }
}
