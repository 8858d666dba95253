package org.agentrouter.memory.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.agentrouter.wire.Embeddings;
/**
 * Vectors as sqlite-vec reads them: float32, little-endian, packed. One instance owns one reusable
 * buffer, so encoding a query vector allocates nothing.
 */
final class Float32Blob {
    private final ByteBuffer buffer;
    private final int dim;

    Float32Blob(int dim) {
        this.dim = dim;
        this.buffer = ByteBuffer.allocate(dim * Float.BYTES);
    }

    /**
     * Encodes {@code v} into the shared buffer and returns its backing array. The array is overwritten by
     * the next call; that is safe for JDBC binds because SQLite copies the blob when the statement runs.
     */
    byte[] encode(float[] v) {
        return Embeddings.toBuffer(v, dim, buffer).array();
    }

    static float[] decode(byte[] blob) {
        return Embeddings.fromBytes(blob);
    }
}
