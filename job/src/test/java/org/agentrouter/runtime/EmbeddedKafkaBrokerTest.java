package org.agentrouter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import java.util.stream.IntStream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.FeatureMetadata;
import org.apache.kafka.clients.admin.FinalizedVersionRange;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.server.common.TransactionVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final int PARTITIONS = 2;

    @TempDir
    static Path sharedDir;

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(sharedDir.resolve("kafka"), 0);
        Topics.ensure(broker.bootstrapServers(), PARTITIONS, TIMEOUT);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void ensureCreatesEveryTopicWithItsLayoutAndToleratesExistingOnes() throws Exception {
        Topics.ensure(broker.bootstrapServers(), PARTITIONS, TIMEOUT);

        try (Admin admin = admin(broker.bootstrapServers())) {
            Map<String, TopicDescription> topics =
                    admin.describeTopics(Topics.ALL).allTopicNames().get(10, TimeUnit.SECONDS);
            assertEquals(1, topics.get(Topics.ROUTER_MODELS).partitions().size(), "router-models is broadcast");
            assertEquals(PARTITIONS, topics.get(Topics.AGENT_QUERIES).partitions().size());
            assertEquals(PARTITIONS, topics.get(Topics.AGENT_MEMORIES).partitions().size());

            assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, cleanupPolicy(admin, Topics.ROUTER_MODELS));
            assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, cleanupPolicy(admin, Topics.AGENT_MEMORIES));
            assertEquals(TopicConfig.CLEANUP_POLICY_DELETE, cleanupPolicy(admin, Topics.AGENT_QUERIES));
            // Set on the topic, not inherited: the job's delete markers are kept as long (RouterConfig).
            ConfigResource memories = new ConfigResource(ConfigResource.Type.TOPIC, Topics.AGENT_MEMORIES);
            var retention = admin.describeConfigs(List.of(memories)).all().get(10, TimeUnit.SECONDS).get(memories)
                    .get(TopicConfig.DELETE_RETENTION_MS_CONFIG);
            assertEquals(Long.toString(Topics.AGENT_MEMORIES_DELETE_RETENTION_MS), retention.value());
            assertEquals(org.apache.kafka.clients.admin.ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, retention.source());
        }
    }

    @Test
    void storageIsFormattedWithTransactionVersion1() throws Exception {
        try (Admin admin = admin(broker.bootstrapServers())) {
            FeatureMetadata features = admin.describeFeatures().featureMetadata().get(10, TimeUnit.SECONDS);
            FinalizedVersionRange transactions = features.finalizedFeatures().get(TransactionVersion.FEATURE_NAME);
            assertEquals(TransactionVersion.TV_1.featureLevel(), transactions.maxVersionLevel());
        }
    }

    @Test
    void idempotentProducerRecordsAreReadBackInOrder() {
        List<String> sent = IntStream.range(0, 100).mapToObj(i -> "query-" + i).toList();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(null))) {
            // One key, so one partition, so the order is defined.
            sent.forEach(value -> producer.send(new ProducerRecord<>(Topics.ROUTER_HEALTH, "agent-1", value)));
            producer.flush();
        }

        assertEquals(sent, readCommitted(broker.bootstrapServers(), Topics.ROUTER_HEALTH, sent.size()));
    }

    @Test
    void committedTransactionIsVisibleAndAbortedOneIsNot() {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig("test-tx"))) {
            producer.initTransactions();
            sendInTransaction(producer, "committed-", 10);
            producer.commitTransaction();

            sendInTransaction(producer, "aborted-", 5);
            producer.flush();
            producer.abortTransaction();

            // A commit after the abort: once a consumer sees it, it has read past the aborted records.
            sendInTransaction(producer, "committed-after-abort-", 1);
            producer.commitTransaction();
        }

        List<String> committed = readCommitted(broker.bootstrapServers(), Topics.ROUTING_DECISIONS, 11);
        assertEquals(11, committed.size());
        assertTrue(committed.stream().noneMatch(v -> v.startsWith("aborted-")), committed::toString);
        assertEquals("committed-after-abort-0", committed.get(10));

        // The aborted records were really written: a read_uncommitted consumer sees all 16.
        List<String> everything = read(broker.bootstrapServers(), Topics.ROUTING_DECISIONS, 16, "read_uncommitted");
        assertEquals(5, everything.stream().filter(v -> v.startsWith("aborted-")).count());
    }

    @Test
    void requireExistingNamesTheMissingTopicAndTheBootstrap() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Topics.requireExisting(
                broker.bootstrapServers(), List.of(Topics.AGENT_QUERIES, "no-such-topic"), TIMEOUT));

        assertTrue(e.getMessage().contains("[no-such-topic]"), e.getMessage());
        assertTrue(e.getMessage().contains(broker.bootstrapServers()), e.getMessage());
        assertFalse(e.getMessage().contains(Topics.AGENT_QUERIES), e.getMessage());

        Topics.requireExisting(broker.bootstrapServers(), Topics.ALL, TIMEOUT);
    }

    @Test
    void requireExistingFailsFastWithAClearMessageWhenNoBrokerListens() throws IOException {
        String nobody = "127.0.0.1:" + unusedPort();
        long start = System.nanoTime();

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Topics.requireExisting(nobody, Topics.ALL, Duration.ofSeconds(2)));

        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals("no Kafka broker answered at " + nobody + " within 2s"
                + " (a broker that requires TLS or SASL looks the same: then pass --kafka-properties)", e.getMessage());
        assertTrue(elapsedMs < 5_000, "took " + elapsedMs + " ms");
    }

    @Test
    void everyPartitionTakesWritesAsSoonAsEnsureReturns(@TempDir Path dir) throws Exception {
        // A fresh broker, so the topics are created by this very call; a producer that never retries
        // fails on the first NOT_LEADER_OR_FOLLOWER, which is what ensure must no longer leave behind.
        try (EmbeddedKafkaBroker fresh = EmbeddedKafkaBroker.start(dir, 0)) {
            Topics.ensure(fresh.bootstrapServers(), PARTITIONS, TIMEOUT);
            Properties p = producerConfig(fresh, null);
            p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
            p.put(ProducerConfig.RETRIES_CONFIG, "0");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
                for (String topic : Topics.ALL) {
                    int partitions = producer.partitionsFor(topic).size();
                    for (int partition = 0; partition < partitions; partition++) {
                        producer.send(new ProducerRecord<>(topic, partition, "k", "first")).get(10, TimeUnit.SECONDS);
                    }
                }
            }
        }
    }

    @Test
    void restartOnTheSameDirectoryKeepsTheRecords(@TempDir Path dir) {
        List<String> sent = IntStream.range(0, 100).mapToObj(i -> "kept-" + i).toList();
        String clusterId;
        int port;
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(dir, 0)) {
            Topics.ensure(first.bootstrapServers(), 1, TIMEOUT);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(first, null))) {
                sent.forEach(value -> producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, value)));
            }
            clusterId = clusterId(first.bootstrapServers());
            port = Integer.parseInt(first.bootstrapServers().substring(first.bootstrapServers().lastIndexOf(':') + 1));
        }

        long start = System.nanoTime();
        // Same port as before, as a demo restart would use: the closed broker must have released it.
        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start(dir, port)) {
            System.out.printf("restart in the same JVM: %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            Topics.requireExisting(second.bootstrapServers(), Topics.ALL, TIMEOUT);
            assertEquals(clusterId, clusterId(second.bootstrapServers()), "storage was reused, not reformatted");
            assertEquals(sent, readCommitted(second.bootstrapServers(), Topics.AGENT_QUERIES, sent.size()));
        }
    }

    @Test
    void aFreePortTakenBeforeTheBrokerBindsItIsGivenUpForAnother(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            // The first port offered is the one another process grabbed after it was found free.
            AtomicInteger offered = new AtomicInteger();
            IntSupplier ports = () -> offered.getAndIncrement() == 0 ? taken.getLocalPort() : freePort();
            try (EmbeddedKafkaBroker started = EmbeddedKafkaBroker.startOnFreePorts(dir, ports)) {
                assertFalse(started.bootstrapServers().endsWith(":" + taken.getLocalPort()), started.bootstrapServers());
                assertTrue(offered.get() >= 3, "fresh ports were picked after the lost one: " + offered.get());
                Topics.ensure(started.bootstrapServers(), 1, TIMEOUT);
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(started, null))) {
                    producer.send(new ProducerRecord<>(Topics.AGENT_QUERIES, "after-retry")).get(10, TimeUnit.SECONDS);
                }
                assertEquals(List.of("after-retry"), readCommitted(started.bootstrapServers(), Topics.AGENT_QUERIES, 1));
            }
        }
    }

    @Test
    void aTakenPortThatWasAskedForIsAClearErrorNotARetry(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> EmbeddedKafkaBroker.start(dir, taken.getLocalPort()));
            assertTrue(e.getMessage().contains("127.0.0.1:" + taken.getLocalPort()), e.getMessage());
        }
    }

    private static void sendInTransaction(KafkaProducer<String, String> producer, String prefix, int count) {
        producer.beginTransaction();
        for (int i = 0; i < count; i++) {
            producer.send(new ProducerRecord<>(Topics.ROUTING_DECISIONS, "k", prefix + i));
        }
    }

    private static Properties producerConfig(String transactionalId) {
        return producerConfig(broker, transactionalId);
    }

    private static Properties producerConfig(EmbeddedKafkaBroker target, String transactionalId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        if (transactionalId != null) {
            p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        }
        return p;
    }

    private static List<String> readCommitted(String bootstrap, String topic, int expected) {
        return read(bootstrap, topic, expected, "read_committed");
    }

    /** Reads every partition of {@code topic} from the start until {@code expected} values arrived or 10 s passed. */
    private static List<String> read(String bootstrap, String topic, int expected, String isolation) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            // Manual assignment: no consumer group, so no rebalance to wait for.
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static String cleanupPolicy(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        Config config = admin.describeConfigs(List.of(resource)).all().get(10, TimeUnit.SECONDS).get(resource);
        return config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
    }

    private static String clusterId(String bootstrap) {
        try (Admin admin = admin(bootstrap)) {
            return admin.describeCluster().clusterId().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("describeCluster failed at " + bootstrap, e);
        }
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static int freePort() {
        try {
            return unusedPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int unusedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }
}
