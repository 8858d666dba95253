package org.agentrouter.agentdb;

import org.agentrouter.progress.Progress;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.agentrouter.memory.MemoryMessages;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.store.MemoryStore;
import org.agentrouter.job.KafkaConnection;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import org.agentrouter.runtime.TopicAdmin;
/**
 * Imports an AgentDB 1.6.1 file into a memory store or onto the {@code agent-memories} topic.
 *
 * <p>Every run reads and checks the whole file first (snapshot, tables, dimensions, each row against the
 * store's rules), then compares with what the target already holds under this file's ids and writes only
 * new and changed memories: in one transaction into a store, in one Kafka transaction (idempotent producer)
 * onto the topic. A file that cannot be read or has vectors of the wrong size writes nothing.
 *
 * <p>Rows the agent deleted are retired in the same transaction: a memory is retired when its id is under
 * this import's prefix ({@code agentdb:SOURCE:}), its source id names this very file ({@code FILE#...}), and
 * no row of the file has its id any more. So only memories that earlier imports of the same file made are
 * touched (not another file imported under the same SOURCE, not feedback episodes, not hand-published
 * ones), and a row that is still there but rejected this time keeps its last good version. In a store the
 * memory is deleted; on the topic a record with deleted = true is published (the job drops it and keeps a
 * marker against older copies). Since the whole file is read before anything is written, an unreadable
 * file retires nothing.
 */
public final class AgentDbImporter {
    /** Below this many rows a progress bar would only flicker. */
    static final int PROGRESS_BAR_ROWS = 2_000;

    private final Path file;
    private final AgentDbMapping mapping;
    private final boolean strict;
    private final boolean progress;

    /**
     * @param namespace {@code --namespace}, or null (see {@link AgentDbMapping})
     * @param strict a rejected row fails the whole import instead of being skipped and reported
     * @param progress show progress bars (stderr) for large files
     */
    public AgentDbImporter(Path file, String namespace, boolean sessionNamespaces, boolean strict, boolean progress) {
        this.file = file.toAbsolutePath();
        this.mapping = new AgentDbMapping(this.file, namespace, sessionNamespaces);
        this.strict = strict;
        this.progress = progress;
    }

    /** The prefix of every memory id this import writes ({@code agentdb:SOURCE:}). */
    public String idPrefix() {
        return mapping.idPrefix();
    }

    public AgentDbImportSummary intoStore(Path storeFile) {
        // Read and check the file before the store is even opened: a bad file must not create or touch it.
        List<AgentDbMapping.Mapped> rows = readAll();
        AgentDbImportSummary summary = new AgentDbImportSummary(file.toString(), "store " + storeFile.toAbsolutePath());
        try (MemoryStore store = MemoryStore.openWritable(storeFile)) {
            List<MemoryRecord> changed = compare(rows, store::get, summary);
            List<String> retired = retire(rows, store.originsWithIdPrefix(mapping.idPrefix()).stream()
                    .map(o -> new Previous(o.id(), o.namespace(), o.kind(), o.sourceId())).toList(), summary);
            if (!changed.isEmpty() || !retired.isEmpty()) {
                try (Progress bar = bar("writing", changed.size())) {
                    store.write(changed, retired, written -> {
                        if (bar != null) {
                            bar.stepTo(written);
                        }
                    });
                }
            }
        }
        return summary;
    }

    public AgentDbImportSummary intoTopic(String bootstrap, Duration timeout) {
        return intoTopic(KafkaConnection.plaintext(bootstrap), timeout);
    }

    /** Onto agent-memories with the connection's client settings (README "Authenticated Kafka": the ACLs it needs). */
    public AgentDbImportSummary intoTopic(KafkaConnection kafka, Duration timeout) {
        String bootstrap = kafka.bootstrap();
        List<AgentDbMapping.Mapped> rows = readAll();
        TopicAdmin.requireExisting(kafka, List.of(Topics.AGENT_MEMORIES), timeout);
        AgentDbImportSummary summary = new AgentDbImportSummary(file.toString(),
                "topic " + Topics.AGENT_MEMORIES + " at " + bootstrap);
        awaitCommitMarkers(kafka, timeout);
        Map<String, MemoryRecord> current = currentOnTopic(kafka, timeout);
        List<MemoryRecord> changed = compare(rows, current::get, summary);
        List<String> retired = retire(rows, current.values().stream()
                .map(r -> new Previous(r.id, r.namespace, r.kind, r.sourceId)).toList(), summary);
        // Encode (and so check) everything before the first send.
        long now = System.currentTimeMillis();
        List<String> keys = new ArrayList<>(changed.size() + retired.size());
        List<byte[]> values = new ArrayList<>(changed.size() + retired.size());
        for (MemoryRecord r : changed) {
            keys.add(r.id);
            values.add(AvroWire.MEMORY.encode(MemoryMessages.toMessage(r, now)));
        }
        for (String id : retired) {
            keys.add(id);
            values.add(AvroWire.MEMORY.encode(MemoryMessages.deleteMessage(current.get(id).namespace, id, now)));
        }
        if (!keys.isEmpty()) {
            publish(kafka, timeout, keys, values);
            // Return only once read_committed readers (the job, the next import) can see what was published.
            awaitCommitMarkers(kafka, timeout);
        }
        return summary;
    }

    private List<AgentDbMapping.Mapped> readAll() {
        List<AgentDbMapping.Mapped> out = new ArrayList<>();
        try (AgentDbSnapshot snapshot = AgentDbSnapshot.take(file)) {
            AgentDbReader reader = new AgentDbReader(snapshot);
            long total = reader.rowCount();
            try (Progress bar = bar("reading " + file.getFileName(), total)) {
                reader.forEachRow(row -> {
                    out.add(mapping.map(row));
                    if (bar != null) {
                        bar.step();
                    }
                });
            }
        }
        if (strict) {
            List<String> rejected = out.stream().filter(m -> m.rejection() != null)
                    .map(m -> m.where() + ": " + m.rejection()).limit(20).toList();
            if (!rejected.isEmpty()) {
                throw new AgentDbException("AgentDB file " + file + " has rows that cannot be imported (--strict; "
                        + "nothing was imported): " + String.join("; ", rejected));
            }
        }
        return out;
    }

    /** Classifies every row against the target's current memories; returns the records to write. */
    private static List<MemoryRecord> compare(List<AgentDbMapping.Mapped> rows, Function<String, MemoryRecord> current,
                                              AgentDbImportSummary summary) {
        List<MemoryRecord> changed = new ArrayList<>();
        for (AgentDbMapping.Mapped m : rows) {
            if (m.rejection() != null) {
                summary.reject(new AgentDbImportSummary.Rejection(m.namespace(), m.kind(), m.where(), m.rejection()));
                continue;
            }
            AgentDbImportSummary.Counts counts = summary.counts(m.namespace(), m.kind());
            MemoryRecord before = current.apply(m.record().id);
            if (before == null) {
                counts.added++;
                changed.add(m.record());
            } else if (sameMemory(before, m.record())) {
                counts.unchanged++;
            } else {
                counts.updated++;
                changed.add(m.record());
            }
        }
        return changed;
    }

    /** A memory the target holds under this import's id prefix. */
    private record Previous(String id, String namespace, String kind, String sourceId) {}

    /**
     * The ids of the memories to retire: made from this file (source id {@code FILE#...}) and without a row in
     * it now. Counts them in the summary under their namespace and kind.
     */
    private List<String> retire(List<AgentDbMapping.Mapped> rows, List<Previous> previous, AgentDbImportSummary summary) {
        Set<String> inFile = new HashSet<>(rows.size() * 2);
        for (AgentDbMapping.Mapped m : rows) {
            inFile.add(m.id());
        }
        String fromThisFile = mapping.sourceIdPrefix();
        List<String> retired = new ArrayList<>();
        for (Previous p : previous) {
            if (p.sourceId() != null && p.sourceId().startsWith(fromThisFile) && !inFile.contains(p.id())) {
                retired.add(p.id());
                summary.counts(p.namespace(), p.kind()).retired++;
            }
        }
        return retired;
    }

    static boolean sameMemory(MemoryRecord a, MemoryRecord b) {
        return Objects.equals(a.id, b.id) && Objects.equals(a.namespace, b.namespace) && Objects.equals(a.kind, b.kind)
                && Objects.equals(a.text, b.text) && Objects.equals(a.sessionId, b.sessionId)
                && a.createdAtMs == b.createdAtMs && a.lastUsedAtMs == b.lastUsedAtMs && a.useCount == b.useCount
                && Float.compare(a.successRate, b.successRate) == 0 && Float.compare(a.reward, b.reward) == 0
                && Float.compare(a.confidence, b.confidence) == 0 && Float.compare(a.cheapOutcome, b.cheapOutcome) == 0
                && Float.compare(a.strongOutcome, b.strongOutcome) == 0
                && Arrays.equals(a.tags == null ? new String[0] : a.tags, b.tags == null ? new String[0] : b.tags)
                && Objects.equals(a.sourceId, b.sourceId) && Arrays.equals(a.embedding, b.embedding);
    }

    /**
     * The latest committed version of each memory under this file's id prefix, read from the beginning of
     * the compacted topic to its end as of now. Records that do not decode or are retired count as absent.
     */
    private Map<String, MemoryRecord> currentOnTopic(KafkaConnection kafka, Duration timeout) {
        String bootstrap = kafka.bootstrap();
        Properties p = kafka.clientConfig();
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "agentdb-import-reader");
        Map<String, MemoryRecord> current = new HashMap<>();
        String prefix = mapping.idPrefix();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.AGENT_MEMORIES, timeout).stream()
                    .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, timeout) < end.get(tp))) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("could not read " + Topics.AGENT_MEMORIES + " at " + bootstrap
                            + " to its end within " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
                    if (rec.key() == null || !rec.key().startsWith(prefix)) {
                        continue;
                    }
                    try {
                        AgentMemory m = AvroWire.MEMORY.decode(rec.value());
                        if (m.getDeleted()) {
                            current.remove(rec.key());
                        } else {
                            current.put(rec.key(), MemoryMessages.fromMessage(m));
                        }
                    } catch (WireFormatException | IllegalArgumentException e) {
                        // Unreadable here means "not known to be there": this import writes it again.
                        current.remove(rec.key());
                    }
                }
            }
        }
        return current;
    }

    /**
     * A committed transaction's markers reach its partitions shortly after commitTransaction returns; until
     * then read_committed readers stop before its records (the last stable offset lags the log end). Waits,
     * at most {@code timeout}, until no partition of the topic has an open transaction; past that (another
     * producer keeps one open) it goes on, and rows not visible yet are simply written again.
     */
    private static void awaitCommitMarkers(KafkaConnection kafka, Duration timeout) {
        String bootstrap = kafka.bootstrap();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(kafka.clientConfig())) {
            List<TopicPartition> partitions = new ArrayList<>();
            admin.describeTopics(List.of(Topics.AGENT_MEMORIES)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(Topics.AGENT_MEMORIES).partitions()
                    .forEach(p -> partitions.add(new TopicPartition(Topics.AGENT_MEMORIES, p.partition())));
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            while (System.nanoTime() - deadline < 0) {
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> stable = admin.listOffsets(latest,
                        new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> end = admin.listOffsets(latest,
                        new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (partitions.stream().allMatch(tp -> stable.get(tp).offset() == end.get(tp).offset())) {
                    return;
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading offsets of " + Topics.AGENT_MEMORIES, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not read the offsets of " + Topics.AGENT_MEMORIES + " at " + bootstrap
                    + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    /** {@code values} by {@code keys} (memory ids), all in one Kafka transaction. */
    private void publish(KafkaConnection kafka, Duration timeout, List<String> keys, List<byte[]> values) {
        String bootstrap = kafka.bootstrap();
        Properties p = kafka.clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // One transaction per import: readers with read_committed see all of the file's changes or none.
        // The id is per source, so a crashed import of the same file is fenced by the next one.
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "agentdb-import-" + mapping.source());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout.toMillis()));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        try (KafkaProducer<String, byte[]> producer =
                     new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
             Progress bar = bar("publishing", keys.size())) {
            producer.initTransactions();
            producer.beginTransaction();
            try {
                List<Future<RecordMetadata>> sent = new ArrayList<>(keys.size());
                for (int i = 0; i < keys.size(); i++) {
                    sent.add(producer.send(new ProducerRecord<>(Topics.AGENT_MEMORIES, keys.get(i), values.get(i)),
                            (metadata, error) -> {
                                if (bar != null && error == null) {
                                    bar.step();
                                }
                            }));
                }
                producer.flush();
                for (Future<RecordMetadata> f : sent) {
                    f.get();
                }
                producer.commitTransaction();
            } catch (Exception e) {
                try {
                    producer.abortTransaction();
                } catch (RuntimeException abortFailure) {
                    e.addSuppressed(abortFailure);
                }
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                throw new IllegalStateException("publishing to " + Topics.AGENT_MEMORIES + " at " + bootstrap
                        + " failed, transaction aborted (nothing of this import is visible): " + cause.getMessage(), cause);
            }
        }
    }

    private Progress bar(String task, long max) {
        if (!progress || max < PROGRESS_BAR_ROWS) {
            return null;
        }
        return Progress.start(task, max, "rows");
    }
}
