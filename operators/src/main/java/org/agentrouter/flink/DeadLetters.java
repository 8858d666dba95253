package org.agentrouter.flink;

import java.nio.ByteBuffer;
import org.agentrouter.schema.DeadLetter;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.wire.AvroWire;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the dead-letter record for a refused input, keyed by query id when known. */
final class DeadLetters {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);

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

    /**
     * A record on which our own code threw: a bug, not bad input. The record is dead-lettered (PROCESSING_ERROR,
     * the stage and the exception in the reason) and the error logged with its stack trace, and the task goes on:
     * failing it would restart the job from the last checkpoint, re-read the same record and fail again, so one
     * record would stop routing for every agent while fixing nothing.
     */
    static KafkaMessage internalError(byte[] original, String topic, int partition, long offset, String id, String stage,
                                      RuntimeException e) {
        LOG.error("internal error in stage {} on the record at {}-{}@{} (id {}); dead-lettered, the job goes on",
                stage, topic, partition, offset, id, e);
        return of(original, topic, partition, offset, ErrorCategory.PROCESSING_ERROR,
                "internal error in " + stage + ": " + e, id, stage);
    }

    /** {@link #internalError} for a query past decoding (its original bytes are dropped after embedding). */
    static KafkaMessage internalError(org.agentrouter.query.QueryContext q, String stage, RuntimeException e) {
        return internalError(q.original, q.sourceTopic, q.sourcePartition, q.sourceOffset, q.queryId, stage, e)
                .traced(q.traceparent, q.tracestate);
    }
}
