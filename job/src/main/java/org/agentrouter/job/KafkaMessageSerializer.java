package org.agentrouter.job;

import java.nio.charset.StandardCharsets;
import org.agentrouter.flink.KafkaMessage;
import org.agentrouter.tracing.TraceParent;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Writes already-encoded messages to one topic, keyed (query id) so a consumer can de-duplicate, with their trace context headers. */
final class KafkaMessageSerializer implements KafkaRecordSerializationSchema<KafkaMessage> {
    private static final long serialVersionUID = 1L;
    private final String topic;

    KafkaMessageSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(KafkaMessage m, KafkaSinkContext context, Long timestamp) {
        byte[] key = m.key == null ? null : m.key.getBytes(StandardCharsets.UTF_8);
        if (m.traceparent == null) {
            return new ProducerRecord<>(topic, null, timestamp, key, m.value);
        }
        // The messaging convention for trace context: W3C headers on the record, read by the agent's client.
        RecordHeaders headers = new RecordHeaders();
        headers.add(TraceParent.TRACEPARENT, m.traceparent.getBytes(StandardCharsets.US_ASCII));
        if (m.tracestate != null) headers.add(TraceParent.TRACESTATE, m.tracestate.getBytes(StandardCharsets.US_ASCII));
        return new ProducerRecord<>(topic, null, timestamp, key, m.value, headers);
    }
}
