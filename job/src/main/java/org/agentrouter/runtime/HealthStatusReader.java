package org.agentrouter.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.agentrouter.schema.RouterHealth;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The latest status of each routing subtask of the newest job on {@code router-health}. Reads only the
 * tail of each partition (a job publishes one status per subtask and interval, so the tail holds the
 * latest of every subtask), never the whole history.
 */
public final class HealthStatusReader {
    /** Records read back from the end of each partition. */
    private static final int TAIL = 1_000;

    private HealthStatusReader() {}

    /** What the topic says: the newest job's statuses by subtask; empty when nothing was ever published. */
    public record Snapshot(String jobId, int parallelism, Map<Integer, RouterHealth> bySubtask, int undecodable) {
        public boolean isEmpty() {
            return bySubtask.isEmpty();
        }
    }

    public static Snapshot read(String bootstrap, Duration timeout) {
        return read(KafkaConnection.plaintext(bootstrap), timeout);
    }

    public static Snapshot read(KafkaConnection kafka, Duration timeout) {
        Topics.awaitBroker(kafka, timeout);
        String bootstrap = kafka.bootstrap();
        Properties p = kafka.clientConfig();
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(timeout.toMillis()));
        List<RouterHealth> seen = new ArrayList<>();
        int undecodable = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = c.partitionsFor(Topics.ROUTER_HEALTH, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + Topics.ROUTER_HEALTH + " does not exist at " + bootstrap);
            }
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : infos) partitions.add(new TopicPartition(info.topic(), info.partition()));
            c.assign(partitions);
            Map<TopicPartition, Long> begin = c.beginningOffsets(partitions, timeout);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, timeout);
            Map<TopicPartition, Long> remaining = new HashMap<>();
            for (TopicPartition tp : partitions) {
                c.seek(tp, Math.max(begin.get(tp), end.get(tp) - TAIL));
                if (end.get(tp) > begin.get(tp)) remaining.put(tp, end.get(tp));
            }
            long deadline = System.currentTimeMillis() + timeout.toMillis();
            while (!remaining.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    try {
                        seen.add(AvroWire.HEALTH.decode(r.value()));
                    } catch (WireFormatException e) {
                        undecodable++;
                    }
                }
                remaining.entrySet().removeIf(e -> c.position(e.getKey()) >= e.getValue());
            }
        }
        return latestOfNewestJob(seen, undecodable);
    }

    static Snapshot latestOfNewestJob(List<RouterHealth> records, int undecodable) {
        RouterHealth newest = null;
        for (RouterHealth h : records) {
            if (newest == null || h.getAtMs() > newest.getAtMs()) newest = h;
        }
        if (newest == null) return new Snapshot(null, 0, Map.of(), undecodable);
        Map<Integer, RouterHealth> bySubtask = new TreeMap<>();
        for (RouterHealth h : records) {
            if (!h.getJobId().equals(newest.getJobId())) continue;
            RouterHealth prev = bySubtask.get(h.getSubtask());
            if (prev == null || h.getAtMs() >= prev.getAtMs()) bySubtask.put(h.getSubtask(), h);
        }
        return new Snapshot(newest.getJobId(), newest.getParallelism(), bySubtask, undecodable);
    }
}
