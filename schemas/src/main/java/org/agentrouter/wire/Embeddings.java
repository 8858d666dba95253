package org.agentrouter.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Embedding vectors as every topic and store holds them: {@link #DIM} dimensions (all-MiniLM-L6-v2), float32
 * little-endian (AgentQuery's and AgentMemory's {@code embedding}, sqlite-vec's blobs, the job's keyed state).
 * The one codec of that layout; the dimension is defined here, at the bottom, for everything above.
 */
public final class Embeddings {
    private Embeddings() {}

    public static final int DIM = 384;

    public static byte[] toBytes(float[] v) {
        return toBuffer(v).array();
    }

    /** A new buffer at position 0 holding {@code v} (what an Avro {@code bytes} field takes). */
    public static ByteBuffer toBuffer(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b;
    }

    /** Writes the first {@code length} floats of {@code v} into {@code reused} (cleared first), for hot loops. */
    public static ByteBuffer toBuffer(float[] v, int length, ByteBuffer reused) {
        reused.clear();
        reused.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(v, 0, length);
        return reused;
    }

    public static float[] fromBytes(byte[] b) {
        return fromBuffer(ByteBuffer.wrap(b));
    }

    /** The floats of {@code b}'s remaining bytes; {@code b} itself (position, order) is left as it was. */
    public static float[] fromBuffer(ByteBuffer b) {
        FloatBuffer floats = view(b);
        float[] v = new float[floats.remaining()];
        floats.get(v);
        return v;
    }

    /** A float view of {@code b}'s remaining bytes, without copying; {@code b} itself is left as it was. */
    public static FloatBuffer view(ByteBuffer b) {
        return b.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    }

    public static FloatBuffer view(byte[] b) {
        return view(ByteBuffer.wrap(b));
    }
}
