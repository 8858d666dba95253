package org.agentrouter.flink;

/**
 * A record ready for a Kafka sink: key and already-encoded value. Operators encode Avro records
 * once, where they are made, so no Avro object ever crosses a Flink network edge (that would mean
 * Kryo serialization of Avro internals).
 */
public class KafkaMessage {
    public String key;
    public byte[] value;
    /** W3C trace context for the record's headers (the decision's: its query's trace goes on); null: none. */
    public String traceparent;
    public String tracestate;

    public KafkaMessage() {}

    public KafkaMessage(String key, byte[] value) {
        this.key = key;
        this.value = value;
    }

    /** This message with the trace context headers {@code traceparent} and {@code tracestate} (either may be null). */
    public KafkaMessage traced(String traceparent, String tracestate) {
        this.traceparent = traceparent;
        this.tracestate = tracestate;
        return this;
    }
}
