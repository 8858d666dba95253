package org.agentrouter.job;

import java.nio.charset.StandardCharsets;
import org.agentrouter.flink.RawRecord;
import org.agentrouter.tracing.TraceParent;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Keeps the raw bytes, their origin and their W3C trace context headers: decoding happens in the job, where failures
 * become dead letters.
 */
final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        RawRecord raw = new RawRecord(record.value(), record.topic(), record.partition(), record.offset());
        // A record without headers (most, when agents do not trace) costs one look at an empty array.
        Header traceparent = record.headers().lastHeader(TraceParent.TRACEPARENT);
        if (traceparent != null && traceparent.value() != null) {
            raw.traceparent = new String(traceparent.value(), StandardCharsets.US_ASCII);
            Header tracestate = record.headers().lastHeader(TraceParent.TRACESTATE);
            if (tracestate != null && tracestate.value() != null) raw.tracestate = new String(tracestate.value(), StandardCharsets.US_ASCII);
        }
        out.collect(raw);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
