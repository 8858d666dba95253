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
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
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
 */
public final class AvroWire<T extends SpecificRecordBase> {
    public static final AvroWire<AgentQuery> QUERY = new AvroWire<>(AgentQuery.getClassSchema());
    public static final AvroWire<RoutingDecision> DECISION = new AvroWire<RoutingDecision>(RoutingDecision.getClassSchema())
            // Decisions written before the learner's probe flag existed.
            .alsoAccept(withoutTrailingFields(RoutingDecision.getClassSchema(), "probe"));
    public static final AvroWire<RoutingMetric> METRIC = new AvroWire<RoutingMetric>(RoutingMetric.getClassSchema())
            .alsoAccept(withoutTrailingFields(RoutingMetric.getClassSchema(), "model_role", "shadow"));
    public static final AvroWire<ModelRelease> MODEL_RELEASE = new AvroWire<ModelRelease>(ModelRelease.getClassSchema())
            // Releases published (and checkpointed in broadcast state) before the calibration's group_count ...
            .alsoAccept(releaseBeforeGroupCount())
            // ... and before the rollout flags existed.
            .alsoAccept(withoutTrailingFields(releaseBeforeGroupCount(), "allow_major", "rollback", "share_percent"));
    public static final AvroWire<ModelControl> MODEL_CONTROL = new AvroWire<ModelControl>(ModelControl.getClassSchema())
            // Controls written before the version guard, shadow mode and the automatic rollback existed.
            .alsoAccept(withoutTrailingFields(ModelControl.getClassSchema(), "model_version", "shadow", "requested_by"));
    public static final AvroWire<DeadLetter> DEAD_LETTER = new AvroWire<>(DeadLetter.getClassSchema());
    public static final AvroWire<ModelEvent> MODEL_EVENT = new AvroWire<ModelEvent>(ModelEvent.getClassSchema())
            .alsoAccept(withoutTrailingFields(ModelEvent.getClassSchema(), "challenger_version", "challenger_share_percent",
                    "challenger_shadow", "load_ms"));
    public static final AvroWire<RoutingFeedback> FEEDBACK = new AvroWire<RoutingFeedback>(RoutingFeedback.getClassSchema())
            // Feedback written before probes existed.
            .alsoAccept(withoutTrailingFields(RoutingFeedback.getClassSchema(), "probe_route", "probe_success", "probe_quality"));
    public static final AvroWire<RouterHealth> HEALTH = new AvroWire<>(RouterHealth.getClassSchema());
    public static final AvroWire<AgentMemory> MEMORY = new AvroWire<>(AgentMemory.getClassSchema());

    private final Schema schema;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    public AvroWire(Schema schema) {
        this.schema = schema;
        this.encoder = new BinaryMessageEncoder<>(SpecificData.getForSchema(schema), schema);
        this.decoder = new BinaryMessageDecoder<>(SpecificData.getForSchema(schema), schema);
    }

    /** Accepts bytes written with an older (or newer) compatible schema too, resolved by Avro's rules. */
    public AvroWire<T> alsoAccept(Schema writerSchema) {
        decoder.addSchema(writerSchema);
        return this;
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

    /** ModelRelease as it was before ConformalCalibration gained its trailing group_count field. */
    static Schema releaseBeforeGroupCount() {
        Schema release = ModelRelease.getClassSchema();
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
        if (bytes == null || bytes.length == 0) {
            throw new WireFormatException(ErrorCategory.MALFORMED_RECORD, "empty record", null);
        }
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new WireFormatException(ErrorCategory.UNKNOWN_SCHEMA,
                    "unknown schema fingerprint: not a " + schema.getName() + " schema this reader knows", e);
        } catch (BadHeaderException e) {
            throw new WireFormatException(ErrorCategory.MALFORMED_RECORD,
                    "not Avro single-object encoded (" + e.getMessage() + ")", e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new WireFormatException(ErrorCategory.MALFORMED_RECORD,
                    "truncated or corrupt " + schema.getName() + " body: " + e, e);
        }
    }
}
