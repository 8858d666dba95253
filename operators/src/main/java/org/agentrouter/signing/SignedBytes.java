package org.agentrouter.signing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.wire.AvroWire;

/**
 * Exactly which bytes a signature covers: a fixed ASCII prefix naming the record type, then the record's Avro
 * single-object encoding (schema fingerprint and body, as on the topic) with {@code signature} and
 * {@code key_id} cleared (empty) and, for a release, its metadata map in key order (Avro writes a map in
 * iteration order, which a decoded map does not keep). Every other field, the ONNX bytes, sha256, version,
 * role, share, rollout flags and calibration included, is covered, so nothing unsigned can be swapped in.
 *
 * <p>The encoding is that of the schema this code has. A field added to the schema later changes these bytes for
 * every record; a verifier of that time must also accept signatures over the encoding without the new field
 * (as {@code AvroWire} accepts the older schemas), or re-sign what the topic keeps.
 */
public final class SignedBytes {
    private static final byte[] RELEASE_PREFIX = "agent-router signed ModelRelease v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTROL_PREFIX = "agent-router signed ModelControl v1\n".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuffer NONE = ByteBuffer.allocate(0);

    private SignedBytes() {}

    public static byte[] of(ModelRelease release) {
        ModelRelease cleared = ModelRelease.newBuilder(release)
                .setSignature(NONE.duplicate()).setKeyId("")
                .setMetadata(new TreeMap<>(release.getMetadata()))
                .build();
        return concat(RELEASE_PREFIX, AvroWire.MODEL_RELEASE.encode(cleared));
    }

    public static byte[] of(ModelControl control) {
        ModelControl cleared = ModelControl.newBuilder(control).setSignature(NONE.duplicate()).setKeyId("").build();
        return concat(CONTROL_PREFIX, AvroWire.MODEL_CONTROL.encode(cleared));
    }

    private static byte[] concat(byte[] prefix, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(prefix.length + body.length);
        out.writeBytes(prefix);
        out.writeBytes(body);
        return out.toByteArray();
    }
}
