package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.agentrouter.query.QueryContext;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.DeadLetter;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/** The decode stage alone, in Flink's operator test harness: valid queries pass, the rest become dead letters. */
class QueryDecoderTest {
    @Test
    void routesValidQueriesOnAndBadOnesToTheDeadLetterOutput() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, QueryContext> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new QueryDecoder(100))) {
            AgentQuery ok = AgentQuery.newBuilder().setQueryId("q1").setNamespace("ns").setText("hi").setEventTimeMs(1).build();
            AgentQuery badK = AgentQuery.newBuilder(ok).setQueryId("q2").setContextK(-1).build();
            h.processElement(new RawRecord(AvroWire.QUERY.encode(ok), "agent-queries", 0, 10), 0);
            h.processElement(new RawRecord(AvroWire.QUERY.encode(badK), "agent-queries", 0, 11), 0);
            h.processElement(new RawRecord(new byte[] {1, 2, 3}, "agent-queries", 1, 12), 0);

            List<QueryContext> passed = h.extractOutputValues();
            assertEquals(1, passed.size());
            assertEquals("q1", passed.get(0).queryId);
            assertEquals(10, passed.get(0).sourceOffset);
            assertTrue(passed.get(0).ingestMicros > 0);

            ConcurrentLinkedQueue<StreamRecord<KafkaMessage>> dead = h.getSideOutput(RouterOutputs.DEAD_LETTERS);
            assertEquals(2, dead.size());
            DeadLetter first = AvroWire.DEAD_LETTER.decode(dead.poll().getValue().value);
            assertEquals(ErrorCategory.INVALID_FIELD, first.getCategory());
            assertEquals("q2", first.getQueryId());
            assertEquals(11, first.getSourceOffset());
            DeadLetter second = AvroWire.DEAD_LETTER.decode(dead.poll().getValue().value);
            assertEquals(ErrorCategory.MALFORMED_RECORD, second.getCategory());
            assertEquals(1, second.getSourcePartition());
        }
    }
}
