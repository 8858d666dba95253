package org.agentrouter.flink;

import java.nio.ByteBuffer;
import org.agentrouter.schema.DeadLetter;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.wire.AvroWire;

/** Builds the dead-letter record for a refused input, keyed by query id when known. */
final class DeadLetters {
    private DeadLetters() {}

    static KafkaMessage of(byte[] original, String topic, int partition, long offset, ErrorCategory category,
                           String reason, String queryId, String stage) {
        DeadLetter dl = DeadLetter.newBuilder()
                .setOriginal(ByteBuffer.wrap(original == null ? new byte[0] : original))
                .setSourceTopic(topic == null ? "" : topic)
                .setSourcePartition(partition)
                .setSourceOffset(offset)
                .setCategory(category)
                .setReason(reason == null ? category.name() : reason)
                .setQueryId(queryId)
                .setStage(stage)
                .setFailedAtMs(System.currentTimeMillis())
                .build();
        return new KafkaMessage(queryId, AvroWire.DEAD_LETTER.encode(dl));
    }
}
