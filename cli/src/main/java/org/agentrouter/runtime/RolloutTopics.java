package org.agentrouter.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import org.agentrouter.job.KafkaConnection;
import org.agentrouter.rollout.report.RolloutRecords;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Topics;
import org.agentrouter.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the rollout report needs: routing-metrics (every decision, with its variant and cost) and
 * routing-feedback (the outcomes), from a time on (record timestamps) to the ends the partitions have when reading
 * starts, read_committed (an exactly-once job's records count once they are committed). Assigns partitions, joins no
 * consumer group, commits nothing.
 */
public final class RolloutTopics {
    private RolloutTopics() {}

    /** What was read: the records, and how many could not be decoded. */
    public record Read(RolloutRecords records, long undecodable) {}

    public static Read read(KafkaConnection kafka, long fromMs, String strongestRoute, Duration timeout) {
        TopicAdmin.awaitBroker(kafka, timeout);
        RolloutRecords records = new RolloutRecords(strongestRoute);
        long undecodable = 0;
        undecodable += read(kafka, Topics.ROUTING_METRICS, fromMs, timeout, bytes -> records.add(AvroWire.METRIC.decode(bytes)));
        undecodable += read(kafka, Topics.ROUTING_FEEDBACK, fromMs, timeout, bytes -> records.add(AvroWire.FEEDBACK.decode(bytes)));
        return new Read(records, undecodable);
    }

    /**
     * When the newest challenger was accepted (its earliest "accepted" event on model-events), so that the report reads
     * the decision topics from there rather than from their beginning; empty when model-events names no challenger.
     */
    public static OptionalLong challengerAcceptedAtMs(KafkaConnection kafka, Duration timeout) {
        TopicAdmin.awaitBroker(kafka, timeout);
        List<ModelEvent> accepted = new ArrayList<>();
        read(kafka, Topics.MODEL_EVENTS, 0, timeout, bytes -> {
            ModelEvent e = AvroWire.MODEL_EVENT.decode(bytes);
            if (e.getEvent().equals("accepted") && e.getRole().equals("challenger")) accepted.add(e);
        });
        ModelEvent newest = null;
        for (ModelEvent e : accepted) if (newest == null || e.getAtMs() > newest.getAtMs()) newest = e;
        if (newest == null) return OptionalLong.empty();
        long first = newest.getAtMs();
        // Every scorer subtask accepts it; a release published again later is a new acceptance of the same version.
        for (ModelEvent e : accepted) {
            if (e.getModelVersion().equals(newest.getModelVersion())) first = Math.min(first, e.getAtMs());
        }
        return OptionalLong.of(first);
    }

    private interface Sink {
        void accept(byte[] value) throws WireFormatException;
    }

    private static long read(KafkaConnection kafka, String topic, long fromMs, Duration timeout, Sink sink) {
        Properties p = kafka.clientConfig();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        long undecodable = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) throw new IllegalStateException("topic " + topic + " does not exist at " + kafka.bootstrap());
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : infos) partitions.add(new TopicPartition(topic, info.partition()));
            c.assign(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, timeout);
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, Math.max(0, fromMs)));
            Map<TopicPartition, OffsetAndTimestamp> start = c.offsetsForTimes(query, timeout);
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp at = start.get(tp);
                long from = at == null ? end.get(tp) : at.offset(); // nothing at or after fromMs: nothing to read
                c.seek(tp, from);
                if (end.get(tp) > from) remaining.put(tp, end.get(tp));
            }
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (!remaining.isEmpty()) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("reading " + topic + " took longer than " + timeout + " (--timeout)");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() >= end.get(new TopicPartition(r.topic(), r.partition()))) continue;
                    try {
                        sink.accept(r.value());
                    } catch (WireFormatException e) {
                        undecodable++;
                    }
                }
                remaining.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
            }
        }
        return undecodable;
    }
}
