package org.agentrouter.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads routing-decisions as a downstream consumer would (read_committed) in a background thread and
 * records, per query id of one run, how many decisions arrived and when the first one was seen.
 */
final class DecisionCollector implements AutoCloseable {
    private final String idPrefix;
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();
    private final Map<String, Long> firstSeenNanos = new ConcurrentHashMap<>();
    private final Map<String, Boolean> servedWithMemory = new ConcurrentHashMap<>();
    private final Map<String, String> traceparents = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    private final AtomicLong recordsRead = new AtomicLong();
    private final AtomicLong lastReadNanos = new AtomicLong();
    private volatile Exception failure;

    DecisionCollector(String bootstrap, String idPrefix) {
        this.idPrefix = idPrefix;
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "failure-test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        thread = new Thread(() -> consume(p), "decision-collector");
        thread.setDaemon(true);
        thread.start();
    }

    private void consume(Properties p) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.ROUTING_DECISIONS));
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    recordsRead.incrementAndGet();
                    lastReadNanos.set(now);
                    RoutingDecision d = AvroWire.DECISION.decode(r.value());
                    String id = d.getQueryId();
                    if (!id.startsWith(idPrefix)) continue;
                    counts.merge(id, 1, Integer::sum);
                    firstSeenNanos.putIfAbsent(id, now);
                    servedWithMemory.put(id, !d.getContext().isEmpty() && d.getFallbackLevel() == FallbackLevel.NONE);
                    var traceparent = r.headers().lastHeader("traceparent");
                    if (traceparent != null) traceparents.put(id, new String(traceparent.value(), java.nio.charset.StandardCharsets.US_ASCII));
                }
            }
        } catch (Exception e) {
            failure = e;
            throw new IllegalStateException("decision consumer failed", e);
        }
    }

    /** The collector's own state, for a timeout's diagnosis: a stalled reader must not pass for a stalled job. */
    String describe() {
        long last = lastReadNanos.get();
        String since = last == 0 ? "none yet" : (System.nanoTime() - last) / 1_000_000 + " ms ago";
        return "collector " + (failure != null ? "failed: " + failure : thread.isAlive() ? "reading" : "stopped")
                + ", " + recordsRead.get() + " records read, " + counts.size() + " query ids of this run, last record " + since;
    }

    /** Query id to the number of decisions seen for it. */
    Map<String, Integer> counts() {
        return counts;
    }

    /** Query id to whether its (last) decision came from the scorer with memory context, not from a fallback. */
    Map<String, Boolean> servedWithMemory() {
        return servedWithMemory;
    }

    /** Query id to the traceparent header of its (last) decision, for queries whose decision had one. */
    Map<String, String> traceparents() {
        return traceparents;
    }

    /** When (System.nanoTime) the query's first decision was seen; null when none yet. */
    Long firstSeenNanos(String queryId) {
        return firstSeenNanos.get(queryId);
    }

    /** The earliest arrival (System.nanoTime) of a decision first seen after {@code afterNanos}; -1 when none yet. */
    long firstArrivalAfter(long afterNanos) {
        return firstSeenNanos.values().stream().filter(t -> t > afterNanos).min(Long::compare).orElse(-1L);
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        thread.join(5_000);
    }
}
