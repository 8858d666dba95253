package org.agentrouter.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingMetric;
import org.junit.jupiter.api.Test;

class AvroWireTest {

    private static AgentQuery query() {
        return AgentQuery.newBuilder()
                .setQueryId("q-1").setNamespace("agent-a").setUserId("u").setText("What is 2+2?")
                .setEmbedding(List.of(0.1f, 0.2f)).setEventTimeMs(1234L).setTags(List.of("math"))
                .build();
    }

    @Test
    void roundTripsAQuery() throws Exception {
        byte[] bytes = AvroWire.QUERY.encode(query());
        // single-object encoding: marker C3 01 then an 8-byte fingerprint
        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        assertEquals(query(), AvroWire.QUERY.decode(bytes));
    }

    @Test
    void refusesARecordOfAnotherSchemaAsUnknownSchema() {
        RoutingMetric metric = RoutingMetric.newBuilder().setQueryId("q").setNamespace("n").setRoute("cheap")
                .setModel("m").setEstimatedCostUsd(0).setStrongCostUsd(0).setSavedUsd(0)
                .setFallbackLevel(FallbackLevel.NONE).setModelVersion("1").setDecidedAtMs(0).setLatencyUs(0).build();
        byte[] bytes = AvroWire.METRIC.encode(metric);
        WireFormatException e = assertThrows(WireFormatException.class, () -> AvroWire.QUERY.decode(bytes));
        assertEquals(ErrorCategory.UNKNOWN_SCHEMA, e.category());
    }

    @Test
    void refusesGarbageAndTruncatedBytesAsMalformed() {
        WireFormatException garbage = assertThrows(WireFormatException.class,
                () -> AvroWire.QUERY.decode("hello, not avro".getBytes()));
        assertEquals(ErrorCategory.MALFORMED_RECORD, garbage.category());

        byte[] full = AvroWire.QUERY.encode(query());
        byte[] cut = Arrays.copyOf(full, full.length - 12);
        WireFormatException truncated = assertThrows(WireFormatException.class, () -> AvroWire.QUERY.decode(cut));
        assertEquals(ErrorCategory.MALFORMED_RECORD, truncated.category());

        assertEquals(ErrorCategory.MALFORMED_RECORD,
                assertThrows(WireFormatException.class, () -> AvroWire.QUERY.decode(new byte[0])).category());
    }

    @Test
    void jsonWithoutOptionalFieldsTakesDefaults() {
        AgentQuery q = JsonRecords.fromJson(
                "{\"query_id\":\"q2\",\"namespace\":\"ns\",\"text\":\"hi\",\"event_time_ms\":5}",
                AgentQuery.getClassSchema());
        assertEquals("q2", q.getQueryId());
        assertNull(q.getEmbedding());
        assertNull(q.getAlpha());
        assertEquals(10, q.getContextK());
        assertTrue(q.getTags().isEmpty());
    }

    @Test
    void jsonRoundTripKeepsEveryField() {
        String json = JsonRecords.toJson(query());
        AgentQuery back = JsonRecords.fromJson(json, AgentQuery.getClassSchema());
        assertEquals(query(), back);
        assertArrayEquals(new Object[] {0.1f, 0.2f}, back.getEmbedding().toArray());
    }

    @Test
    void jsonErrorsNameTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JsonRecords.fromJson(
                "{\"query_id\":\"q\",\"namespace\":\"ns\",\"text\":\"hi\",\"event_time_ms\":\"soon\"}",
                AgentQuery.getClassSchema()));
        assertTrue(e.getMessage().contains("event_time_ms"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> JsonRecords.fromJson("{\"namespace\":\"ns\"}", AgentQuery.getClassSchema()));
        assertTrue(missing.getMessage().contains("query_id"), missing.getMessage());
    }
}
