package org.agentrouter.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.List;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelRelease;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
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

    /**
     * The crash of issue #16: one flipped bit turned the embedding's item count into ~2^31, and Avro threw
     * UnsupportedOperationException out of decode (after allocating for the claim when it was smaller).
     */
    @Test
    void refusesAHugeClaimedCountAsMalformedBeforeAllocating() throws Exception {
        byte[] valid = AvroWire.QUERY.encode(query());
        // query(): the embedding's array block count (2 items, zig-zag 4) follows its union branch (1, zig-zag 2).
        int at = -1;
        for (int i = 10; i < valid.length - 1; i++) {
            if (valid[i] == 2 && valid[i + 1] == 4) at = i + 1;
        }
        byte[] huge = ByteMutator.zigzagVarint(Integer.MAX_VALUE - 8);
        byte[] bad = new byte[valid.length - 1 + huge.length];
        System.arraycopy(valid, 0, bad, 0, at);
        System.arraycopy(huge, 0, bad, at, huge.length);
        System.arraycopy(valid, at + 1, bad, at + huge.length, valid.length - at - 1);
        WireFormatException e = assertThrows(WireFormatException.class, () -> AvroWire.QUERY.decode(bad));
        assertEquals(ErrorCategory.MALFORMED_RECORD, e.category());
        assertTrue(e.getMessage().contains("array of more than 100000 items"), e.getMessage());
    }

    @Test
    void refusesARecordOverTheSizeLimitUnread() {
        WireFormatException e = assertThrows(WireFormatException.class,
                () -> AvroWire.QUERY.decode(AvroWire.QUERY.encode(query()), 16));
        assertEquals(ErrorCategory.RECORD_TOO_LARGE, e.category());
    }

    @Test
    void refusesTrailingBytesAfterTheRecord() {
        byte[] valid = AvroWire.QUERY.encode(query());
        byte[] longer = Arrays.copyOf(valid, valid.length + 3);
        assertEquals(ErrorCategory.MALFORMED_RECORD,
                assertThrows(WireFormatException.class, () -> AvroWire.QUERY.decode(longer)).category());
    }

    /** The test JVMs start with the limits (the parent pom's argLine), as the cluster's do (flink-conf). */
    @Test
    void avroItselfEnforcesTheLimitsInThisJvm() {
        assertTrue(AvroLimits.active(), "org.apache.avro.limits.* in effect");
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

    /** ModelRelease exactly as it was before allow_major and rollback: what older topics and checkpoints hold. */
    private static final String MODEL_RELEASE_V1 = "{\"type\": \"record\", \"name\": \"ModelRelease\", \"namespace\": \"org.agentrouter.schema\", \"doc\": \"A router model on the control topic router-models: the ONNX graph, its identity and its calibration.\", \"fields\": [{\"name\": \"name\", \"type\": \"string\"}, {\"name\": \"version\", \"type\": \"string\", \"doc\": \"Semantic version MAJOR.MINOR.PATCH.\"}, {\"name\": \"feature_layout_version\", \"type\": \"int\", \"doc\": \"Must equal the layout the operator computes (see CandidateFeatures).\"}, {\"name\": \"sha256\", \"type\": \"string\", \"doc\": \"Hex sha256 of onnx_model.\"}, {\"name\": \"onnx_model\", \"type\": \"bytes\"}, {\"name\": \"calibration\", \"type\": {\"type\": \"record\", \"name\": \"ConformalCalibration\", \"fields\": [{\"name\": \"method\", \"type\": \"string\", \"doc\": \"split or mondrian\"}, {\"name\": \"alphas\", \"type\": {\"type\": \"array\", \"items\": \"double\"}}, {\"name\": \"strong_thresholds\", \"type\": {\"type\": \"array\", \"items\": \"double\"}, \"doc\": \"Per alpha: the strong route is in the set when 1 - p_strong <= threshold.\"}, {\"name\": \"cheap_thresholds\", \"type\": {\"type\": \"array\", \"items\": \"double\"}, \"doc\": \"Per alpha: the cheap route is in the set when p_strong <= threshold.\"}, {\"name\": \"calibration_size\", \"type\": \"int\"}, {\"name\": \"data_hash\", \"type\": \"string\", \"default\": \"\"}]}}, {\"name\": \"role\", \"type\": \"string\", \"default\": \"champion\"}, {\"name\": \"metadata\", \"type\": {\"type\": \"map\", \"values\": \"string\"}, \"default\": {}}, {\"name\": \"published_at_ms\", \"type\": \"long\"}]}";

    @Test
    void readsAReleaseWrittenBeforeTheRolloutFlagsExisted() throws Exception {
        Schema v1 = new Schema.Parser().parse(MODEL_RELEASE_V1);
        GenericRecord calibration = new GenericData.Record(v1.getField("calibration").schema());
        calibration.put("method", "split");
        calibration.put("alphas", List.of(0.1));
        calibration.put("strong_thresholds", List.of(0.4));
        calibration.put("cheap_thresholds", List.of(0.6));
        calibration.put("calibration_size", 10);
        calibration.put("data_hash", "");
        GenericRecord release = new GenericData.Record(v1);
        release.put("name", "old");
        release.put("version", "1.2.3");
        release.put("feature_layout_version", 1);
        release.put("sha256", "00");
        release.put("onnx_model", ByteBuffer.wrap(new byte[] {1, 2}));
        release.put("calibration", calibration);
        release.put("role", "champion");
        release.put("metadata", Map.of());
        release.put("published_at_ms", 7L);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v1).encode(release);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        ModelRelease read = AvroWire.MODEL_RELEASE.decode(bytes);
        assertEquals("1.2.3", read.getVersion());
        assertEquals(7L, read.getPublishedAtMs());
        assertFalse(read.getAllowMajor());
        assertFalse(read.getRollback());
        // and a control message is not mistaken for a release
        byte[] control = AvroWire.MODEL_CONTROL.encode(ModelControl.newBuilder().setAction("rollback").setRequestedAtMs(1).build());
        assertEquals(ErrorCategory.UNKNOWN_SCHEMA,
                assertThrows(WireFormatException.class, () -> AvroWire.MODEL_RELEASE.decode(control)).category());
    }

    /** ModelRelease as it was with the rollout flags but before the calibration's group_count. */
    private static final String MODEL_RELEASE_V2 = MODEL_RELEASE_V1.substring(0, MODEL_RELEASE_V1.length() - 2)
            + ", {\"name\": \"allow_major\", \"type\": \"boolean\", \"default\": false}"
            + ", {\"name\": \"rollback\", \"type\": \"boolean\", \"default\": false}"
            + ", {\"name\": \"share_percent\", \"type\": \"int\", \"default\": 0}]}";

    @Test
    void readsAReleaseWrittenBeforeTheCalibrationHadAGroupCount() throws Exception {
        Schema v2 = new Schema.Parser().parse(MODEL_RELEASE_V2);
        GenericRecord calibration = new GenericData.Record(v2.getField("calibration").schema());
        calibration.put("method", "mondrian");
        calibration.put("alphas", List.of(0.1));
        calibration.put("strong_thresholds", List.of(0.4));
        calibration.put("cheap_thresholds", List.of(0.6));
        calibration.put("calibration_size", 10);
        calibration.put("data_hash", "h");
        GenericRecord release = new GenericData.Record(v2);
        release.put("name", "before-groups");
        release.put("version", "1.3.0");
        release.put("feature_layout_version", 1);
        release.put("sha256", "00");
        release.put("onnx_model", ByteBuffer.wrap(new byte[] {1, 2}));
        release.put("calibration", calibration);
        release.put("role", "challenger");
        release.put("metadata", Map.of());
        release.put("published_at_ms", 9L);
        release.put("allow_major", true);
        release.put("rollback", false);
        release.put("share_percent", 5);
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), v2).encode(release);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);

        ModelRelease read = AvroWire.MODEL_RELEASE.decode(bytes);
        assertEquals("mondrian", read.getCalibration().getMethod());
        assertEquals(0, read.getCalibration().getGroupCount(), "an older release has no groups");
        assertEquals(List.of(0.6), read.getCalibration().getCheapThresholds());
        assertEquals(5, read.getSharePercent());
        assertTrue(read.getAllowMajor());
    }

    /** ModelRelease as it was just before signing: V2 with the calibration's group_count. */
    private static final String MODEL_RELEASE_V3 = MODEL_RELEASE_V2.replace(
            "{\"name\": \"data_hash\", \"type\": \"string\", \"default\": \"\"}]",
            "{\"name\": \"data_hash\", \"type\": \"string\", \"default\": \"\"}, {\"name\": \"group_count\", \"type\": \"int\", \"default\": 0}]");

    /** ModelControl as it was just before signing. */
    private static final String MODEL_CONTROL_V2 = "{\"type\": \"record\", \"name\": \"ModelControl\", \"namespace\": \"org.agentrouter.schema\", \"fields\": ["
            + "{\"name\": \"action\", \"type\": \"string\"}, {\"name\": \"share_percent\", \"type\": \"int\", \"default\": 0},"
            + " {\"name\": \"model_name\", \"type\": \"string\", \"default\": \"\"}, {\"name\": \"reason\", \"type\": [\"null\", \"string\"], \"default\": null},"
            + " {\"name\": \"requested_at_ms\", \"type\": \"long\"}, {\"name\": \"model_version\", \"type\": \"string\", \"default\": \"\"},"
            + " {\"name\": \"shadow\", \"type\": \"boolean\", \"default\": false}, {\"name\": \"requested_by\", \"type\": \"string\", \"default\": \"operator\"}]}";

    private static byte[] singleObject(Schema schema, GenericRecord record) throws Exception {
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(record);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }

    @Test
    void readsAReleaseAndAControlWrittenBeforeSigningAsUnsigned() throws Exception {
        Schema v3 = new Schema.Parser().parse(MODEL_RELEASE_V3);
        assertTrue(v3.getField("calibration").schema().getField("group_count") != null, "the literal has group_count");
        GenericRecord calibration = new GenericData.Record(v3.getField("calibration").schema());
        calibration.put("method", "group-risk");
        calibration.put("alphas", List.of(0.1));
        calibration.put("strong_thresholds", List.of(0.4));
        calibration.put("cheap_thresholds", List.of(0.6));
        calibration.put("calibration_size", 10);
        calibration.put("data_hash", "h");
        calibration.put("group_count", 47);
        GenericRecord release = new GenericData.Record(v3);
        release.put("name", "before-signing");
        release.put("version", "1.4.0");
        release.put("feature_layout_version", 1);
        release.put("sha256", "00");
        release.put("onnx_model", ByteBuffer.wrap(new byte[] {1, 2}));
        release.put("calibration", calibration);
        release.put("role", "champion");
        release.put("metadata", Map.of("k", "v"));
        release.put("published_at_ms", 11L);
        release.put("allow_major", false);
        release.put("rollback", true);
        release.put("share_percent", 0);
        ModelRelease read = AvroWire.MODEL_RELEASE.decode(singleObject(v3, release));
        assertEquals("1.4.0", read.getVersion());
        assertEquals(47, read.getCalibration().getGroupCount());
        assertTrue(read.getRollback());
        assertEquals(0, read.getSignature().remaining(), "an older release is unsigned");
        assertEquals("", read.getKeyId());

        Schema c2 = new Schema.Parser().parse(MODEL_CONTROL_V2);
        GenericRecord control = new GenericData.Record(c2);
        control.put("action", "rollback");
        control.put("share_percent", 0);
        control.put("model_name", "");
        control.put("reason", "old");
        control.put("requested_at_ms", 5L);
        control.put("model_version", "1.2.0");
        control.put("shadow", false);
        control.put("requested_by", "rollout-judge");
        ModelControl c = AvroWire.MODEL_CONTROL.decode(singleObject(c2, control));
        assertEquals("1.2.0", c.getModelVersion());
        assertEquals(0, c.getSignature().remaining());
        assertEquals("", c.getKeyId());
    }

    @Test
    void aSignedReleaseRoundTripsWithItsSignature() throws Exception {
        ModelRelease signed = ModelRelease.newBuilder(AvroWire.MODEL_RELEASE.decode(AvroWire.MODEL_RELEASE.encode(
                ModelRelease.newBuilder().setName("n").setVersion("1.0.0").setFeatureLayoutVersion(1).setSha256("00")
                        .setOnnxModel(ByteBuffer.wrap(new byte[] {1}))
                        .setCalibration(org.agentrouter.schema.ConformalCalibration.newBuilder().setMethod("split")
                                .setAlphas(List.of()).setStrongThresholds(List.of()).setCheapThresholds(List.of())
                                .setCalibrationSize(0).build())
                        .setPublishedAtMs(1).build())))
                .setSignature(ByteBuffer.wrap(new byte[] {9, 8, 7})).setKeyId("0123456789abcdef").build();
        ModelRelease back = AvroWire.MODEL_RELEASE.decode(AvroWire.MODEL_RELEASE.encode(signed));
        assertEquals(ByteBuffer.wrap(new byte[] {9, 8, 7}), back.getSignature());
        assertEquals("0123456789abcdef", back.getKeyId());
    }

    /** A record schema without its last fields, rebuilt field by field: the writer schema of older producers. */
    private static Schema before(Schema current, int dropped) {
        List<Schema.Field> kept = new java.util.ArrayList<>();
        for (Schema.Field f : current.getFields().subList(0, current.getFields().size() - dropped)) {
            kept.add(new Schema.Field(f.name(), f.schema(), f.doc(), f.defaultVal()));
        }
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, kept);
    }

    private static byte[] encodeGeneric(Schema schema, GenericRecord r) throws Exception {
        ByteBuffer encoded = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), schema).encode(r);
        byte[] bytes = new byte[encoded.remaining()];
        encoded.get(bytes);
        return bytes;
    }

    @Test
    void readsFeedbackAndDecisionsWrittenBeforeProbesExisted() throws Exception {
        Schema oldFeedback = before(org.agentrouter.schema.RoutingFeedback.getClassSchema(), 3);
        GenericRecord f = new GenericData.Record(oldFeedback);
        f.put("query_id", "q1");
        f.put("namespace", "ns");
        f.put("model", "m");
        f.put("route", "cheap");
        f.put("success", true);
        f.put("quality", null);
        f.put("tokens_used", 0);
        f.put("latency_ms", 0L);
        f.put("context_ids_used", List.of());
        f.put("event_time_ms", 5L);
        f.put("model_version", null);
        f.put("alpha", null);
        org.agentrouter.schema.RoutingFeedback read = AvroWire.FEEDBACK.decode(encodeGeneric(oldFeedback, f));
        assertEquals("q1", read.getQueryId());
        assertNull(read.getProbeRoute());
        assertNull(read.getProbeSuccess());

        org.agentrouter.schema.RoutingDecision d = org.agentrouter.schema.RoutingDecision.newBuilder()
                .setQueryId("q2").setNamespace("ns").setRoute("strong").setModel("m").setConfidence(0.9).setPStrong(0.7)
                .setPredictionSet(List.of("strong")).setUncertain(false).setAlpha(0.1).setContext(List.of())
                .setCandidatesConsidered(0).setEstimatedCostUsd(1).setStrongCostUsd(1).setModelVersion("1.0.0")
                .setEventTimeMs(1).setDecidedAtMs(2).setProcessingLatencyUs(3).setProbe(true).build();
        assertTrue(AvroWire.DECISION.decode(AvroWire.DECISION.encode(d)).getProbe());
        Schema oldDecision = before(org.agentrouter.schema.RoutingDecision.getClassSchema(), 1);
        GenericRecord old = new GenericData.Record(oldDecision);
        for (Schema.Field field : oldDecision.getFields()) {
            Object v = d.get(field.name());
            old.put(field.name(), v instanceof Enum<?> e ? new GenericData.EnumSymbol(field.schema(), e.name()) : v);
        }
        org.agentrouter.schema.RoutingDecision readOld = AvroWire.DECISION.decode(encodeGeneric(oldDecision, old));
        assertEquals("q2", readOld.getQueryId());
        assertFalse(readOld.getProbe());
    }
}
