package org.agentrouter.cli.ops;

import org.agentrouter.job.KafkaPropertiesOption;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.JsonRecords;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.agentrouter.cli.options.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "produce", mixinStandardHelpOptions = true,
        description = {"Publish queries typed as JSON lines (from a file or stdin) to agent-queries, Avro-encoded.",
            "Fields: query_id (default: a UUID), namespace, user_id, session_id, text, embedding (384 floats, optional),",
            "event_time_ms (default: now), alpha, max_cost_usd, context_k, tags.",
            "Example: echo '{\"namespace\":\"demo\",\"text\":\"What is 2+2?\"}' | ./router produce"})
public final class ProduceCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE})")
    String bootstrap = "127.0.0.1:9092";

    @Mixin
    KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Option(names = "--file", description = "JSON lines file; stdin when absent")
    Path file;

    @Option(names = "--topic", description = "default: ${DEFAULT-VALUE}")
    String topic = Topics.AGENT_QUERIES;

    @Override
    public Integer call() throws Exception {
        Properties p = kafkaProperties.connect(bootstrap).clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        int sent = 0;
        int refused = 0;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
             BufferedReader in = file == null
                     ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                     : Files.newBufferedReader(file)) {
            String line;
            int lineNo = 0;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) continue;
                AgentQuery q;
                try {
                    q = parse(line);
                } catch (IllegalArgumentException e) {
                    System.err.println("line " + lineNo + ": " + e.getMessage());
                    refused++;
                    continue;
                }
                producer.send(new ProducerRecord<>(topic, q.getNamespace(), AvroWire.QUERY.encode(q))).get();
                System.out.println(q.getQueryId());
                sent++;
            }
        }
        System.err.printf("sent %d queries to %s at %s%s%n", sent, topic, bootstrap, refused > 0 ? ", refused " + refused : "");
        return refused > 0 ? ExitCode.REFUSED : ExitCode.OK;
    }

    /** Fills the two fields people never want to type, then converts with the schema's own rules. */
    static AgentQuery parse(String line) {
        ObjectNode node;
        try {
            node = (ObjectNode) JSON.readTree(line);
        } catch (Exception e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getMessage());
        }
        if (!node.has("query_id")) node.put("query_id", UUID.randomUUID().toString());
        if (!node.has("event_time_ms")) node.put("event_time_ms", System.currentTimeMillis());
        return JsonRecords.fromJson(node.toString(), AgentQuery.getClassSchema());
    }
}
