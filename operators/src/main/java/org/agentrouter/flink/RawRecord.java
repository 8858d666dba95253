package org.agentrouter.flink;

/** Bytes as they came off a Kafka partition, with where they came from (for dead letters). */
public class RawRecord {
    public byte[] value;
    public String topic;
    public int partition;
    public long offset;
    /** The record's W3C trace context headers, null when absent (the agent does not trace). */
    public String traceparent;
    public String tracestate;
    /** Set on a health tick (RouterJob's tick source) instead of Kafka bytes. */
    public org.agentrouter.query.HealthProbe probe;

    public RawRecord() {}

    public RawRecord(byte[] value, String topic, int partition, long offset) {
        this.value = value;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
    }

    public static RawRecord healthTick(long atMs) {
        RawRecord r = new RawRecord();
        r.probe = new org.agentrouter.query.HealthProbe(atMs);
        return r;
    }
}
