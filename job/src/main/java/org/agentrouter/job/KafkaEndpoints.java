package org.agentrouter.job;

import java.util.Properties;
import org.agentrouter.flink.KafkaMessage;
import org.agentrouter.flink.RawRecord;
import org.agentrouter.wire.Topics;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The production sources and sinks of {@link RouterJob}: Kafka topics. Every source and sink gets the connection's
 * client settings (security: {@code --kafka-properties}); the settings below are applied after them.
 */
public final class KafkaEndpoints {
    /** Kafka's broker-side default cap on transaction timeouts is 15 minutes; stay under it. */
    private static final String TRANSACTION_TIMEOUT_MS = "600000";

    /**
     * How long the broker holds a fetch that finds nothing new (Kafka's default is 500 ms). A fetch returns as soon as a
     * record arrives, so this costs no latency; what it sets is how often an idle source asks again: four sources at
     * 500 ms were 8 fetch round trips a second for the job and the broker to serve with no traffic at all.
     */
    static final String IDLE_FETCH_WAIT_MS = "5000";

    /**
     * How long the topic sinks' producers wait to fill a batch. Every decision writes one record to routing-decisions
     * and one to routing-metrics; at 2 ms each producer sent ~500 requests a second at 1,000 decisions/s (two records
     * per request), and the broker's and the producers' cost is per request. 5 ms adds at most 3 ms to a decision's
     * latency at low rates (exactly-once decisions wait for the checkpoint anyway).
     */
    static final String SINK_LINGER_MS = "5";

    private final KafkaConnection kafka;
    private final String groupId;
    private final DeliveryGuarantee guarantee;

    public KafkaEndpoints(KafkaConnection kafka, String groupId, DeliveryGuarantee guarantee) {
        this.kafka = kafka;
        this.groupId = groupId;
        this.guarantee = guarantee;
    }

    /** PLAINTEXT, no client settings. */
    public KafkaEndpoints(String bootstrap, String groupId, DeliveryGuarantee guarantee) {
        this(KafkaConnection.plaintext(bootstrap), groupId, guarantee);
    }

    public RouterJob job(org.agentrouter.flink.RouterConfig config) {
        return new RouterJob(endpoints(), config);
    }

    /** Every topic of the job, with the rollout judge's rollbacks to router-models. */
    public RouterEndpoints endpoints() {
        return new RouterEndpoints(querySource(), modelSource(), feedbackSource(), memorySource(),
                sink(Topics.ROUTING_DECISIONS), sink(Topics.ROUTING_METRICS), sink(Topics.AGENT_QUERIES_DLQ),
                sink(Topics.MODEL_EVENTS), healthSink(), sink(Topics.AGENT_MEMORIES), controlSink());
    }

    /**
     * The rollout judge's rollbacks onto router-models, at-least-once whatever the job's guarantee: the model
     * source reads uncommitted records, and a rollback must act now, not at the next checkpoint. A duplicate
     * is harmless: the control names the challenger version it withdraws.
     */
    public KafkaSink<KafkaMessage> controlSink() {
        Properties producer = kafka.settings();
        producer.setProperty("linger.ms", "0");
        return KafkaSink.<KafkaMessage>builder()
                .setBootstrapServers(kafka.bootstrap())
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(new KafkaMessageSerializer(Topics.ROUTER_MODELS))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    /**
     * At-least-once whatever the job's guarantee: a status must be readable when it is made, not when the
     * next checkpoint commits a transaction (a job whose checkpoints fail would otherwise look silent),
     * and a duplicate status is harmless (readers keep the latest per subtask).
     */
    public KafkaSink<KafkaMessage> healthSink() {
        Properties producer = kafka.settings();
        producer.setProperty("linger.ms", "2");
        return KafkaSink.<KafkaMessage>builder()
                .setBootstrapServers(kafka.bootstrap())
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(new KafkaMessageSerializer(Topics.ROUTER_HEALTH))
                .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                .build();
    }

    public KafkaSource<RawRecord> querySource() {
        return KafkaSource.<RawRecord>builder()
                .setProperties(kafka.settings())
                .setBootstrapServers(kafka.bootstrap())
                .setTopics(Topics.AGENT_QUERIES)
                .setGroupId(groupId)
                // Resume where the group left off; a new group starts from the beginning so no query is skipped.
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "30000")
                .setProperty("fetch.max.wait.ms", fetchWaitMs())
                .build();
    }

    public KafkaSource<RawRecord> feedbackSource() {
        return KafkaSource.<RawRecord>builder()
                .setProperties(kafka.settings())
                .setBootstrapServers(kafka.bootstrap())
                .setTopics(Topics.ROUTING_FEEDBACK)
                .setGroupId(groupId + "-feedback")
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "30000")
                .setProperty("fetch.max.wait.ms", fetchWaitMs())
                .build();
    }

    /**
     * The compacted agent-memories topic. A job restored from a checkpoint or savepoint resumes at the
     * offsets in it (its keyed state already holds everything before); a job started without one reads the
     * whole topic, which rebuilds that state.
     */
    public KafkaSource<RawRecord> memorySource() {
        return KafkaSource.<RawRecord>builder()
                .setProperties(kafka.settings())
                .setBootstrapServers(kafka.bootstrap())
                .setTopics(Topics.AGENT_MEMORIES)
                .setGroupId(groupId + "-memories")
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new RawRecordDeserializer())
                .setProperty("isolation.level", "read_committed")
                .setProperty("partition.discovery.interval.ms", "30000")
                .setProperty("fetch.max.wait.ms", fetchWaitMs())
                .build();
    }

    public KafkaSource<byte[]> modelSource() {
        return KafkaSource.<byte[]>builder()
                .setProperties(kafka.settings())
                .setBootstrapServers(kafka.bootstrap())
                .setTopics(Topics.ROUTER_MODELS)
                .setGroupId(groupId + "-models")
                // Every release on the (compacted) topic is replayed; the scorer keeps only what passes its rules.
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setDeserializer(new ModelBytesDeserializer())
                .setProperty("fetch.max.wait.ms", fetchWaitMs())
                .build();
    }

    /** {@link #IDLE_FETCH_WAIT_MS}, unless --kafka-properties sets fetch.max.wait.ms. */
    private String fetchWaitMs() {
        return kafka.settings().getProperty("fetch.max.wait.ms", IDLE_FETCH_WAIT_MS);
    }

    public KafkaSink<KafkaMessage> sink(String topic) {
        Properties producer = kafka.settings();
        producer.setProperty("transaction.timeout.ms", TRANSACTION_TIMEOUT_MS);
        producer.setProperty("linger.ms", producer.getProperty("linger.ms", SINK_LINGER_MS));
        producer.setProperty("enable.idempotence", "true");
        return KafkaSink.<KafkaMessage>builder()
                .setBootstrapServers(kafka.bootstrap())
                .setKafkaProducerConfig(producer)
                .setRecordSerializer(new KafkaMessageSerializer(topic))
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(groupId + "-" + topic)
                .build();
    }
}
