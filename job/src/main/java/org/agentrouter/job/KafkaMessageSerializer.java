package org.agentrouter.job;

import java.nio.charset.StandardCharsets;
import org.agentrouter.flink.KafkaMessage;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Writes already-encoded messages to one topic, keyed (query id) so a consumer can de-duplicate. */
final class KafkaMessageSerializer implements KafkaRecordSerializationSchema<KafkaMessage> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    KafkaMessageSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(KafkaMessage m, KafkaSinkContext context, Long timestamp) {
        byte[] key = m.key == null ? null : m.key.getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(topic, null, timestamp, key, m.value);
    }
}
