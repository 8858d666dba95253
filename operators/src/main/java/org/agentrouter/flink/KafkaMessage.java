package org.agentrouter.flink;

/**
 * A record ready for a Kafka sink: key and already-encoded value. Operators encode Avro records
 * once, where they are made, so no Avro object ever crosses a Flink network edge (that would mean
 * Kryo serialization of Avro internals).
 */
public class KafkaMessage {
    public String key;
    public byte[] value;

    public KafkaMessage() {}

    public KafkaMessage(String key, byte[] value) {
        this.key = key;
        this.value = value;
    }
}
