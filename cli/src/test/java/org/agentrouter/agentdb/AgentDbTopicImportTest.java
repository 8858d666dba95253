package org.agentrouter.agentdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.wire.AvroWire;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.runtime.TopicAdmin;
/** {@code memory import --bootstrap}: a real AgentDB file onto agent-memories of a real (in-process KRaft) broker. */
class AgentDbTopicImportTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start(dir.resolve("kafka"), 0);
        TopicAdmin.ensure(broker.bootstrapServers(), 2, TIMEOUT);
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void publishesDecodableMemoriesKeyedByIdOnlyWhenNewOrChanged() throws Exception {
        Path agent = dir.resolve("coder.db");
        AgentDbFixture.write(agent, AgentDbStoreImportTest.baseSpec());
        String bootstrap = broker.bootstrapServers();

        AgentDbImportSummary first = importer(agent).intoTopic(bootstrap, TIMEOUT);
        assertEquals(4, first.totalAdded());
        assertEquals(1, first.totalRejected());

        // Other tests of this class publish on the same broker: only this file's records count.
        List<ConsumerRecord<String, byte[]>> records = readAll().stream().filter(r -> r.key().startsWith("agentdb:coder:")).toList();
        assertEquals(4, records.size());
        // Taken once the records are readable (read_committed): the commit markers are then written too.
        long offsetsAfterFirst = endOffsets();
        Map<String, AgentMemory> byKey = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            AgentMemory m = AvroWire.MEMORY.decode(r.value());
            assertEquals(r.key(), m.getMemoryId().toString(), "key = memory id");
            byKey.put(r.key(), m);
        }
        assertEquals(List.of("agentdb:coder:episode:1", "agentdb:coder:episode:2", "agentdb:coder:pattern:1",
                "agentdb:coder:skill:1"), byKey.keySet().stream().sorted().toList());
        AgentMemory episode = byKey.get("agentdb:coder:episode:1");
        assertEquals("coder", episode.getNamespace().toString());
        assertEquals("episode", episode.getKind().toString());
        assertEquals("s1", episode.getSessionId().toString());
        assertArrayEquals(AgentDbFixture.vectors(agent, "episode_embeddings", "episode_id").get(1L), floats(episode.getEmbedding()));
        assertEquals("docs-agent", byKey.get("agentdb:coder:episode:2").getNamespace().toString());
        assertEquals(2, byKey.get("agentdb:coder:skill:1").getUseCount());

        AgentDbImportSummary again = importer(agent).intoTopic(bootstrap, TIMEOUT);
        assertEquals(0, again.totalAdded() + again.totalUpdated());
        assertEquals(4, again.totalUnchanged());
        assertEquals(offsetsAfterFirst, endOffsets(), "a re-import of the same file published something");

        AgentDbFixture.write(agent, Map.of(
                "episodes", List.of(AgentDbFixture.episode("s3", "profile the slow query", 0.6, true, null)),
                "skillUses", List.of(Map.of("name", "grep-logs", "success", true, "reward", 1.0))));
        AgentDbImportSummary grown = importer(agent).intoTopic(bootstrap, TIMEOUT);
        assertEquals(1, grown.totalAdded());
        assertEquals(1, grown.totalUpdated());
        Map<String, AgentMemory> latest = latest("agentdb:coder:");
        assertEquals(5, latest.size());
        assertEquals(3, latest.get("agentdb:coder:skill:1").getUseCount());
        assertEquals("profile the slow query", latest.get("agentdb:coder:episode:4").getText().toString());

        String cli = AgentDbStoreImportTest.run("memory", "import", "--agentdb", agent.toString(), "--bootstrap", bootstrap);
        assertTrue(cli.matches("(?s).*topic agent-memories.*total\\s+0\\s+0\\s+5\\s+1.*"), cli);
    }

    @Test
    void rowsDeletedFromTheFilePublishDeletesTheJobHonoursOnceInOneTransaction() throws Exception {
        Path agent = dir.resolve("forgetful.db");
        AgentDbFixture.write(agent, AgentDbStoreImportTest.baseSpec());
        String bootstrap = broker.bootstrapServers();
        assertEquals(4, importer(agent).intoTopic(bootstrap, TIMEOUT).totalAdded());
        Map<String, AgentMemory> before = latest("agentdb:forgetful:");
        assertEquals(4, before.size());

        AgentDbFixture.deleteRows(agent, "episodes 2", "reasoning_patterns 1");
        long offsetsBefore = endOffsets();
        AgentDbImportSummary forgot = importer(agent).intoTopic(bootstrap, TIMEOUT);
        assertEquals(2, forgot.totalRetired());
        assertEquals(1, forgot.byNamespaceAndKind().get("docs-agent").get("episode").retired);
        assertEquals(1, forgot.byNamespaceAndKind().get("forgetful").get("pattern").retired);
        assertEquals(0, forgot.totalAdded() + forgot.totalUpdated());
        // Two delete records and one commit marker per partition written to: one transaction.
        long published = endOffsets() - offsetsBefore;
        assertTrue(published >= 3 && published <= 4, "records + commit markers: " + published);

        Map<String, AgentMemory> after = latest("agentdb:forgetful:");
        for (String id : List.of("agentdb:forgetful:episode:2", "agentdb:forgetful:pattern:1")) {
            AgentMemory retired = after.get(id);
            assertTrue(retired.getDeleted(), id + " retired on the topic");
            assertEquals(before.get(id).getNamespace().toString(), retired.getNamespace().toString(),
                    "keyed by the memory's namespace, so it reaches the subtask that holds it");
            // MemoryRetriever drops a memory for a delete at least as new as its version (and keeps a marker
            // against older copies); a delete older than the memory would be refused as stale.
            assertTrue(retired.getEventTimeMs() >= before.get(id).getEventTimeMs(), id);
        }
        assertFalse(after.get("agentdb:forgetful:episode:1").getDeleted());
        assertFalse(after.get("agentdb:forgetful:skill:1").getDeleted());

        long offsetsAfter = endOffsets();
        AgentDbImportSummary again = importer(agent).intoTopic(bootstrap, TIMEOUT);
        assertEquals(0, again.totalRetired() + again.totalAdded() + again.totalUpdated(), "idempotent");
        assertEquals(offsetsAfter, endOffsets(), "a second re-import published something");

        // An unreadable file retires nothing on the topic either.
        Files.write(agent, "the agent is rewriting its file".repeat(200).getBytes());
        assertThrows(AgentDbException.class, () -> importer(agent).intoTopic(bootstrap, TIMEOUT));
        assertEquals(offsetsAfter, endOffsets());
    }

    /** The latest value per key under {@code prefix}, read_committed. */
    private static Map<String, AgentMemory> latest(String prefix) throws Exception {
        Map<String, AgentMemory> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll()) {
            if (r.key().startsWith(prefix)) out.put(r.key(), AvroWire.MEMORY.decode(r.value()));
        }
        return out;
    }

    @Test
    void aFileWithVectorsOfAnotherDimensionPublishesNothing() throws Exception {
        Path other = dir.resolve("other-model.db");
        Map<String, Object> spec = new HashMap<>(AgentDbStoreImportTest.baseSpec());
        spec.put("dim", 768);
        AgentDbFixture.write(other, spec);
        Path garbage = dir.resolve("garbage.db");
        Files.write(garbage, "not a database at all, just text written over the agent's file".repeat(100).getBytes());
        long before = endOffsets();

        AgentDbException wrongDim = assertThrows(AgentDbException.class,
                () -> importer(other).intoTopic(broker.bootstrapServers(), TIMEOUT));
        assertTrue(wrongDim.getMessage().contains("768-d"), wrongDim.getMessage());
        assertThrows(AgentDbException.class, () -> importer(garbage).intoTopic(broker.bootstrapServers(), TIMEOUT));
        assertEquals(before, endOffsets());
        assertFalse(readAll().stream().anyMatch(r -> r.key().startsWith("agentdb:other-model:")));
    }

    private static AgentDbImporter importer(Path file) {
        return new AgentDbImporter(file, null, false, false, false);
    }

    private static float[] floats(ByteBuffer blob) {
        ByteBuffer b = blob.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }

    private static List<ConsumerRecord<String, byte[]>> readAll() {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> partitions = partitions(c);
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static long endOffsets() {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            return c.endOffsets(partitions(c)).values().stream().mapToLong(Long::longValue).sum();
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c) {
        return c.partitionsFor(Topics.AGENT_MEMORIES).stream()
                .map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }
}
