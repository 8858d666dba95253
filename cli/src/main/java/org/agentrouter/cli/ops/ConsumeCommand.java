package org.agentrouter.cli.ops;

import org.agentrouter.job.KafkaPropertiesOption;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.agentrouter.job.KafkaConnection;
import org.agentrouter.runtime.TopicAdmin;
import org.agentrouter.wire.Topics;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.JsonRecords;
import org.agentrouter.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.agentrouter.cli.options.HumanDuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Print records of an output topic as JSON lines (decisions by default).")
public final class ConsumeCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Mixin
    KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Option(names = "--topic", description = "routing-decisions, routing-metrics or agent-queries-dlq (default: ${DEFAULT-VALUE})")
    String topic = Topics.ROUTING_DECISIONS;

    @Option(names = "--from-beginning", description = "read the topic from its start, not only new records")
    boolean fromBeginning;

    @Option(names = "--max", description = "stop after this many records (default: no limit)")
    long max = Long.MAX_VALUE;

    @Option(names = "--timeout", converter = HumanDuration.class,
            description = "stop after this long without a record, e.g. 10 (seconds) or 2m (default: no limit)")
    Duration idleTimeout;

    @Override
    public Integer call() {
        AvroWire<?> wire = wireFor(topic);
        KafkaConnection kafka = kafkaProperties.connect(bootstrap);
        // A consumer waits for a broker forever, silently: say at once that there is none, or no such topic.
        TopicAdmin.requireExisting(kafka, List.of(topic), Duration.ofSeconds(10));
        Properties p = kafka.clientConfig();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "router-consume-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, fromBeginning ? "earliest" : "latest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        long seen = 0;
        long idleSince = System.currentTimeMillis();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            while (seen < max) {
                var records = consumer.poll(Duration.ofMillis(500));
                if (records.isEmpty()) {
                    if (idleTimeout != null && System.currentTimeMillis() - idleSince > idleTimeout.toMillis()) break;
                    continue;
                }
                idleSince = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    try {
                        System.out.println(JsonRecords.toJson(wire.decode(r.value())));
                    } catch (WireFormatException e) {
                        System.err.println("offset " + r.offset() + ": " + e.getMessage());
                    }
                    if (++seen >= max) break;
                }
            }
        }
        return 0;
    }

    static AvroWire<?> wireFor(String topic) {
        switch (topic) {
            case Topics.ROUTING_DECISIONS: return AvroWire.DECISION;
            case Topics.ROUTING_METRICS: return AvroWire.METRIC;
            case Topics.AGENT_QUERIES_DLQ: return AvroWire.DEAD_LETTER;
            case Topics.AGENT_QUERIES: return AvroWire.QUERY;
            case Topics.ROUTING_FEEDBACK: return AvroWire.FEEDBACK;
            case Topics.MODEL_EVENTS: return AvroWire.MODEL_EVENT;
            default: throw new IllegalArgumentException("no schema known for topic " + topic);
        }
    }
}
