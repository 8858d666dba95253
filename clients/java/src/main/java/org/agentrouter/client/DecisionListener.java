package org.agentrouter.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer thread that reads {@code routing-decisions} for every pending call of a client.
 *
 * <p>It assigns all partitions at their end (no consumer group: nothing to rebalance, no offsets to
 * commit, only records written after the client started). The record key is the query id, so a decision
 * for another client's query is dropped without decoding its value.
 */
final class DecisionListener implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DecisionListener.class);
    static final String TOPIC = org.agentrouter.wire.Topics.ROUTING_DECISIONS;

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, CompletableFuture<TracedDecision>> pending = new ConcurrentHashMap<>();
    private final Thread thread;
    private final CountDownLatch assigned = new CountDownLatch(1);
    private final AtomicLong undecodable = new AtomicLong();
    private volatile boolean running = true;

    /** Set when the thread stopped before the partitions were assigned: what start() reports. */
    private volatile RuntimeException startFailure;

    DecisionListener(String bootstrap, String clientId, Properties kafkaSettings) {
        Properties p = new Properties();
        p.putAll(kafkaSettings);
        p.setProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.setProperty(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-decisions");
        p.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        // Decisions are small and wanted at once: do not wait to fill a batch.
        p.setProperty(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        p.setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this::run, clientId + "-decision-listener");
        thread.setDaemon(true);
    }

    /**
     * Starts reading and returns once the partitions are assigned at their end, so no later decision is missed.
     * Refused credentials or a missing ACL fail at once, as a permanent error: waiting cannot fix them.
     */
    void start(Duration timeout) throws InterruptedException {
        thread.start();
        boolean started = assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        RuntimeException failure = startFailure;
        if (failure instanceof AuthenticationException || failure instanceof AuthorizationException) {
            throw new PermanentRouterException("cannot read " + TOPIC + ": " + failure.getMessage(), failure);
        }
        if (failure != null) {
            throw new RetriableRouterException("cannot read " + TOPIC + ": " + failure, failure);
        }
        if (!started) {
            throw new RetriableRouterException("no partitions of " + TOPIC + " within " + timeout
                    + " (broker unavailable or topic missing)", null);
        }
    }

    /** Registers a call before its query is sent, so a fast decision cannot arrive before anyone waits for it. */
    CompletableFuture<TracedDecision> expect(String queryId) {
        CompletableFuture<TracedDecision> f = new CompletableFuture<>();
        pending.put(queryId, f);
        f.whenComplete((d, e) -> pending.remove(queryId, f));
        return f;
    }

    long undecodableDecisions() {
        return undecodable.get();
    }

    private void run() {
        try {
            assignAtEnd();
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    CompletableFuture<TracedDecision> f = r.key() == null ? null : pending.get(r.key());
                    if (f != null) deliver(f, r);
                }
            }
        } catch (WakeupException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            if (assigned.getCount() > 0) {
                startFailure = e;
                assigned.countDown();
            } else {
                LOG.error("decision listener stopped; pending calls fall back at their deadline", e);
            }
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    private void deliver(CompletableFuture<TracedDecision> f, ConsumerRecord<String, byte[]> r) {
        try {
            // The decision's trace context (the router's routing span) travels in its headers.
            f.complete(new TracedDecision(AvroWire.DECISION.decode(r.value()),
                    TraceHeaders.read(r.headers(), TraceHeaders.TRACEPARENT), TraceHeaders.read(r.headers(), TraceHeaders.TRACESTATE)));
        } catch (WireFormatException e) {
            undecodable.incrementAndGet();
            f.completeExceptionally(new PermanentRouterException("decision for " + r.key()
                    + " is not readable by this client (" + e.category() + "): " + e.getMessage(), e));
        }
    }

    private void assignAtEnd() {
        List<PartitionInfo> infos = List.of();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (running && infos.isEmpty() && System.nanoTime() < until) {
            infos = consumer.partitionsFor(TOPIC, Duration.ofSeconds(5));
            if (infos == null) infos = List.of();
        }
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo i : infos) parts.add(new TopicPartition(i.topic(), i.partition()));
        consumer.assign(parts);
        consumer.seekToEnd(parts);
        // seekToEnd is lazy: resolve the positions now so "the end" means the moment we started.
        for (TopicPartition tp : parts) consumer.position(tp);
        if (!parts.isEmpty()) assigned.countDown();
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
