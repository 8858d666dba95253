package org.agentrouter.wire;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.DeadLetter;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.schema.RouterHealth;
import org.agentrouter.schema.RoutingMetric;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The wire format of every topic: Avro single-object encoding (2-byte marker, 8-byte schema
 * fingerprint, binary body). A reader knows the writer's schema by its fingerprint, so bytes
 * written with a schema it has never seen are refused as UNKNOWN_SCHEMA instead of misread.
 * Encoders and decoders are thread-safe and cheap to share.
 *
 * <p>Decoding is hostile-input safe: a record over the size limit is refused before it is read, every length
 * and count in the body is checked against the bytes actually there ({@link EncodedBounds}) before Avro
 * allocates for it, and any exception of the decoder becomes a {@link WireFormatException} with a dead-letter
 * category. No input makes {@link #decode} throw anything else.</p>
 */
public final class AvroWire<T extends SpecificRecordBase> {
    static {
        AvroLimits.install(); // before any Avro decoder reads its limits, unless the JVM was started with them
    }

    /** The default size limit of a record: Kafka's own default maximum message size is about 1 MiB. */
    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;
    public static final AvroWire<AgentQuery> QUERY = new AvroWire<>(AgentQuery.getClassSchema());
    public static final AvroWire<RoutingDecision> DECISION = new AvroWire<RoutingDecision>(RoutingDecision.getClassSchema())
            // Decisions written before the learner's probe flag existed.
            .alsoAccept(withoutTrailingFields(RoutingDecision.getClassSchema(), "probe"));
    public static final AvroWire<RoutingMetric> METRIC = new AvroWire<RoutingMetric>(RoutingMetric.getClassSchema())
            .alsoAccept(withoutTrailingFields(RoutingMetric.getClassSchema(), "model_role", "shadow"));
    public static final AvroWire<ModelRelease> MODEL_RELEASE = new AvroWire<ModelRelease>(ModelRelease.getClassSchema())
            // A release carries its ONNX graph: up to Avro's byte limit, plus the record around it.
            .limitedTo(AvroLimits.MAX_BYTES + (1 << 20))
            // Releases published (and checkpointed in broadcast state, kept on the compacted topic) before signing ...
            .alsoAccept(releaseBeforeSigning())
            // ... before the calibration's group_count ...
            .alsoAccept(releaseBeforeGroupCount())
            // ... and before the rollout flags existed.
            .alsoAccept(withoutTrailingFields(releaseBeforeGroupCount(), "allow_major", "rollback", "share_percent"));
    public static final AvroWire<ModelControl> MODEL_CONTROL = new AvroWire<ModelControl>(ModelControl.getClassSchema())
            // Controls written before signing ...
            .alsoAccept(withoutTrailingFields(ModelControl.getClassSchema(), "signature", "key_id"))
            // ... and before the version guard, shadow mode and the automatic rollback existed.
            .alsoAccept(withoutTrailingFields(ModelControl.getClassSchema(), "model_version", "shadow", "requested_by",
                    "signature", "key_id"));
    public static final AvroWire<DeadLetter> DEAD_LETTER = new AvroWire<DeadLetter>(DeadLetter.getClassSchema())
            // Dead letters written before the RECORD_TOO_LARGE category existed.
            .alsoAccept(withoutEnumSymbols(DeadLetter.getClassSchema(), "category", "RECORD_TOO_LARGE"));
    public static final AvroWire<ModelEvent> MODEL_EVENT = new AvroWire<ModelEvent>(ModelEvent.getClassSchema())
            .alsoAccept(withoutTrailingFields(ModelEvent.getClassSchema(), "challenger_version", "challenger_share_percent",
                    "challenger_shadow", "load_ms"));
    public static final AvroWire<RoutingFeedback> FEEDBACK = new AvroWire<RoutingFeedback>(RoutingFeedback.getClassSchema())
            // Feedback written before probes existed.
            .alsoAccept(withoutTrailingFields(RoutingFeedback.getClassSchema(), "probe_route", "probe_success", "probe_quality"));
    public static final AvroWire<RouterHealth> HEALTH = new AvroWire<>(RouterHealth.getClassSchema());
    public static final AvroWire<AgentMemory> MEMORY = new AvroWire<>(AgentMemory.getClassSchema());

    private static final int HEADER = 10; // 2-byte marker C3 01, 8-byte little-endian fingerprint

    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;
    /** Writer schemas by fingerprint: the body is checked against the schema it was written with. */
    private final Map<Long, Schema> writers = new HashMap<>();
    private int maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;

    public AvroWire(Schema schema) {
        this.schema = schema;
        this.encoder = new BinaryMessageEncoder<>(SpecificData.getForSchema(schema), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.getForSchema(schema), schema);
        writers.put(SchemaNormalization.parsingFingerprint64(schema), schema);
    }

    /** Accepts bytes written with an older (or newer) compatible schema too, resolved by Avro's rules. */
    public AvroWire<T> alsoAccept(Schema writerSchema) {
        decoder.addSchema(writerSchema);
        writers.put(SchemaNormalization.parsingFingerprint64(writerSchema), writerSchema);
        return this;
    }

    /** Sets the size limit {@link #decode(byte[])} applies (default {@link #DEFAULT_MAX_RECORD_BYTES}). */
    public AvroWire<T> limitedTo(int bytes) {
        this.maxRecordBytes = bytes;
        return this;
    }

    /** The record schema with {@code symbols} (appended last) removed from the enum of field {@code field}. */
    static Schema withoutEnumSymbols(Schema current, String field, String... symbols) {
        Schema enumSchema = current.getField(field).schema();
        List<String> all = enumSchema.getEnumSymbols();
        int keep = all.size() - symbols.length;
        for (int i = 0; i < symbols.length; i++) {
            if (!all.get(keep + i).equals(symbols[i])) {
                throw new IllegalArgumentException(symbols[i] + " is not symbol " + (keep + i) + " of " + enumSchema.getFullName());
            }
        }
        Schema older = Schema.createEnum(enumSchema.getName(), enumSchema.getDoc(), enumSchema.getNamespace(),
                all.subList(0, keep), enumSchema.getEnumDefault());
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : current.getFields()) {
            fields.add(new Schema.Field(f, f.name().equals(field) ? older : f.schema()));
        }
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), current.isError(), fields);
    }

    /**
     * The record schema as it was before {@code added} were appended to it: the fingerprint of single-object
     * encoding covers field names, types and order (not defaults or docs), so this is exactly the older
     * writer schema, without keeping a copy of its text.
     */
    static Schema withoutTrailingFields(Schema current, String... added) {
        List<Schema.Field> fields = current.getFields();
        int keep = fields.size() - added.length;
        for (int i = 0; i < added.length; i++) {
            if (!fields.get(keep + i).name().equals(added[i])) {
                throw new IllegalArgumentException(added[i] + " is not field " + (keep + i) + " of " + current.getFullName());
            }
        }
        List<Schema.Field> older = new ArrayList<>(keep);
        for (Schema.Field f : fields.subList(0, keep)) older.add(new Schema.Field(f, f.schema()));
        return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), current.isError(), older);
    }

    /** ModelRelease as it was before the trailing signature and key_id fields. */
    static Schema releaseBeforeSigning() {
        return withoutTrailingFields(ModelRelease.getClassSchema(), "signature", "key_id");
    }

    /** ModelRelease as it was before ConformalCalibration gained its trailing group_count field (and before signing). */
    static Schema releaseBeforeGroupCount() {
        Schema release = releaseBeforeSigning();
        Schema calibration = withoutTrailingFields(release.getField("calibration").schema(), "group_count");
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : release.getFields()) {
            fields.add(new Schema.Field(f, f.name().equals("calibration") ? calibration : f.schema()));
        }
        return Schema.createRecord(release.getName(), release.getDoc(), release.getNamespace(), release.isError(), fields);
    }

    public Schema schema() {
        return schema;
    }

    public byte[] encode(T record) {
        try {
            ByteBuffer buf = encoder.encode(record);
            byte[] out = new byte[buf.remaining()];
            buf.get(out);
            return out;
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot encode " + schema.getName() + ": " + e.getMessage(), e);
        }
    }

    public T decode(byte[] bytes) throws WireFormatException {
        return decode(bytes, maxRecordBytes);
    }

    /**
     * Decodes one record of at most {@code maxBytes}. Throws only {@link WireFormatException}: every other
     * failure of the decoder on these bytes is a property of the bytes, so it becomes MALFORMED_RECORD.
     */
    public T decode(byte[] bytes, int maxBytes) throws WireFormatException {
        if (bytes == null || bytes.length == 0) {
            throw new WireFormatException(ErrorCategory.MALFORMED_RECORD, "empty record", null);
        }
        if (bytes.length > maxBytes) {
            throw new WireFormatException(ErrorCategory.RECORD_TOO_LARGE,
                    "record of " + bytes.length + " bytes exceeds the limit of " + maxBytes + " bytes", null);
        }
        if (bytes.length < HEADER || bytes[0] != (byte) 0xC3 || bytes[1] != (byte) 0x01) {
            throw new WireFormatException(ErrorCategory.MALFORMED_RECORD,
                    "not Avro single-object encoded (no C3 01 marker and 8-byte fingerprint)", null);
        }
        Schema writer = writers.get(ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        if (writer == null) {
            throw new WireFormatException(ErrorCategory.UNKNOWN_SCHEMA,
                    "unknown schema fingerprint: not a " + schema.getName() + " schema this reader knows", null);
        }
        EncodedBounds.check(writer, bytes, HEADER, bytes.length);
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new WireFormatException(ErrorCategory.UNKNOWN_SCHEMA,
                    "unknown schema fingerprint: not a " + schema.getName() + " schema this reader knows", e);
        } catch (BadHeaderException e) {
            throw new WireFormatException(ErrorCategory.MALFORMED_RECORD,
                    "not Avro single-object encoded (" + e.getMessage() + ")", e);
        } catch (IOException | RuntimeException e) {
            // Anything the decoder throws on bytes that passed the bounds check is still about the bytes
            // (invalid varint bits, a resolution failure): the record is refused, never the task.
            throw new WireFormatException(ErrorCategory.MALFORMED_RECORD,
                    "truncated or corrupt " + schema.getName() + " body: " + e, e);
        }
    }
}
