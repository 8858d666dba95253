package org.agentrouter.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.agentrouter.runtime.Topics;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = "What the job serves and what it refused, per scorer subtask, from the model-events topic.")
final class ModelsCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Option(names = "--history", description = "print every event, not only the current state")
    boolean history;

    @Override
    public Integer call() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "router-models-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<Integer, ModelEvent> servingBySubtask = new TreeMap<>();
        Map<Integer, ModelEvent> challengerBySubtask = new TreeMap<>();
        int refused = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.MODEL_EVENTS));
            long idleUntil = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < idleUntil) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
                    idleUntil = System.currentTimeMillis() + 1_500;
                    ModelEvent e;
                    try {
                        e = AvroWire.MODEL_EVENT.decode(r.value());
                    } catch (WireFormatException ex) {
                        System.err.println("offset " + r.offset() + ": " + ex.getMessage());
                        continue;
                    }
                    if (history) {
                        System.out.printf("%s subtask %d %-8s %s %s%s -> serving %s%n", Instant.ofEpochMilli(e.getAtMs()),
                                e.getSubtask(), e.getEvent(), e.getModelName(), e.getModelVersion(),
                                e.getRule() == null ? "" : " (" + e.getRule() + ": " + e.getReason() + ")", e.getServingVersion());
                    }
                    if (e.getEvent().equals("refused")) refused++;
                    servingBySubtask.put(e.getSubtask(), e);
                    if (e.getRole().equals("challenger") && !e.getEvent().equals("refused")) {
                        challengerBySubtask.put(e.getSubtask(), e);
                    }
                    if (e.getEvent().equals("promoted")
                            || (e.getEvent().equals("rolled back") && e.getRole().equals("challenger"))) {
                        challengerBySubtask.remove(e.getSubtask());
                    }
                }
            }
        }
        if (servingBySubtask.isEmpty()) {
            System.out.println("no model events yet: every scorer serves the release bundled in the job");
            return 0;
        }
        servingBySubtask.forEach((subtask, e) -> {
            ModelEvent c = challengerBySubtask.get(subtask);
            System.out.printf("subtask %d serves champion %s since %s%s%n", subtask, e.getServingVersion(),
                    Instant.ofEpochMilli(e.getAtMs()), c == null ? "" : "; challenger " + c.getModelVersion() + " (" + c.getReason() + ")");
        });
        System.out.printf("%d refusal event(s) in the topic%s%n", refused, history ? "" : " (--history lists them)");
        return 0;
    }
}
