package org.agentrouter.flink;

/** Bytes as they came off a Kafka partition, with where they came from (for dead letters). */
public class RawRecord {
    public byte[] value;
    public String topic;
    public int partition;
    public long offset;

    public RawRecord() {}

    public RawRecord(byte[] value, String topic, int partition, long offset) {
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }
}
