package org.agentrouter.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.agentrouter.memory.MemoryMessages;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.MemoryStore;
import org.agentrouter.wire.AvroWire;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes memories to the compacted agent-memories topic (key = memory id, value = {@link org.agentrouter.schema.AgentMemory}):
 * the one way memories reach the job. Used by the demo, the tests, the benchmarks and the {@code --store}
 * seed. Sends are asynchronous; {@link #flush()} (and close) wait for all of them and fail if any failed.
 */
public final class MemoryPublisher implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private long sent;

    public MemoryPublisher(String bootstrap) {
        this(KafkaConnection.plaintext(bootstrap));
    }

    public MemoryPublisher(KafkaConnection kafka) {
        Properties p = kafka.clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Publishes {@code r} as the version of {@code versionMs} (the job keeps the newest version of a memory).
     * Throws {@link IllegalArgumentException} for a record the job would refuse.
     */
    public void publish(MemoryRecord r, long versionMs) {
        send(r.id, AvroWire.MEMORY.encode(MemoryMessages.toMessage(r, versionMs)));
    }

    /** Publishes {@code r} stamped now: it replaces any earlier version. */
    public void publish(MemoryRecord r) {
        publish(r, System.currentTimeMillis());
    }

    /** Retires a memory (a record with deleted = true: a Kafka tombstone would not carry the namespace). */
    public void delete(String namespace, String id) {
        send(id, AvroWire.MEMORY.encode(MemoryMessages.deleteMessage(namespace, id, System.currentTimeMillis())));
    }

    /** Raw bytes, for tests that publish records the job must refuse. */
    public void publishRaw(String key, byte[] value) {
        send(key, value);
    }

    private void send(String key, byte[] value) {
        producer.send(new ProducerRecord<>(Topics.AGENT_MEMORIES, key, value), (md, e) -> {
            if (e != null) failure.compareAndSet(null, e);
        });
        sent++;
    }

    public long sent() {
        return sent;
    }

    public void flush() {
        producer.flush();
        Exception e = failure.get();
        if (e != null) {
            throw new IllegalStateException("publishing to " + Topics.AGENT_MEMORIES + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            flush();
        } finally {
            producer.close();
        }
    }

    /** Publishes all of them stamped now; returns how many. */
    public static int publishAll(String bootstrap, Collection<MemoryRecord> records) {
        return publishAll(KafkaConnection.plaintext(bootstrap), records);
    }

    public static int publishAll(KafkaConnection kafka, Collection<MemoryRecord> records) {
        try (MemoryPublisher p = new MemoryPublisher(kafka)) {
            long now = System.currentTimeMillis();
            for (MemoryRecord r : records) p.publish(r, now);
        }
        return records.size();
    }

    /**
     * The {@code --store} seed: every memory of a SQLite store to agent-memories, each stamped with a version
     * derived from the record itself (its last use, else its creation), so publishing the same file again
     * never overrides what the job has learned since (its versions are newer). Null: nothing to do.
     */
    public static long seed(String bootstrap, Path store) {
        return seed(KafkaConnection.plaintext(bootstrap), store);
    }

    public static long seed(KafkaConnection kafka, Path store) {
        if (store == null) return 0;
        if (!Files.isRegularFile(store)) {
            throw new IllegalStateException("memory store " + store.toAbsolutePath() + " does not exist");
        }
        try (MemoryStore s = MemoryStore.openReadOnly(store); MemoryPublisher p = new MemoryPublisher(kafka)) {
            s.forEach(r -> p.publish(r, Math.max(r.createdAtMs, r.lastUsedAtMs)));
            p.flush();
            return p.sent();
        }
    }
}
