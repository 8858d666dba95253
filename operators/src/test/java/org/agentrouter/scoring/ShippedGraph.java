package org.agentrouter.scoring;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import org.agentrouter.schema.ModelRelease;

/** The shipped model's graph, to change one thing at a time in tests. */
final class ShippedGraph {
    private static final ModelRelease RELEASE;
    private static final byte[] BYTES;

    static {
        try {
            RELEASE = ModelReleases.fromClasspath("models/default");
            BYTES = ModelReleases.modelBytes(RELEASE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ShippedGraph() {}

    static byte[] bytes() {
        return BYTES.clone();
    }

    static ModelRelease release() {
        return RELEASE;
    }

    static OnnxMl.ModelProto proto() {
        try {
            return OnnxMl.ModelProto.parseFrom(BYTES);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The shipped graph with one change made through the protobuf builders. */
    static byte[] with(Consumer<OnnxMl.ModelProto.Builder> change) {
        OnnxMl.ModelProto.Builder b = proto().toBuilder();
        change.accept(b);
        return b.build().toByteArray();
    }

    /** The shipped release carrying these model bytes, their sha256 recomputed (it passes the checksum). */
    static ModelRelease releaseOf(byte[] onnx) {
        return ModelRelease.newBuilder(RELEASE).setOnnxModel(ByteBuffer.wrap(onnx)).setSha256(ModelReleases.sha256Hex(onnx)).build();
    }
}
