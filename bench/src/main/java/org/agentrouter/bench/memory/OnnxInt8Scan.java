package org.agentrouter.bench.memory;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Issue 8, idea (a): the int8 scan as one ONNX Runtime call, {@code MatMulInteger(codes [rows x dim] int8,
 * query [dim x 1] int8) -> int32 [rows x 1]}, so that MLAS's integer GEMM does the multiply-adds. The codes
 * tensor is created once over a direct buffer (ORT wraps such a buffer without copying it: {@link
 * #sharesCodesBuffer} checks that), the query and output tensors too; a scan writes the query bytes and runs.
 * Measured only (Int8ScanBenchmark); not wired into the index.
 */
final class OnnxInt8Scan implements AutoCloseable {
    private final OrtSession session;
    private final ByteBuffer codes;
    private final ByteBuffer query;
    private final IntBuffer dots;
    private final OnnxTensor codesTensor;
    private final OnnxTensor queryTensor;
    private final OnnxTensor dotsTensor;
    private final int rows;

    OnnxInt8Scan(byte[] rowMajorCodes, int rows, int dim, int intraOpThreads) throws OrtException {
        this.rows = rows;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(intraOpThreads);
            session = env.createSession(model(rows, dim), options);
        }
        codes = ByteBuffer.allocateDirect(rows * dim).order(ByteOrder.nativeOrder());
        codes.put(rowMajorCodes, 0, rows * dim).flip();
        query = ByteBuffer.allocateDirect(dim).order(ByteOrder.nativeOrder());
        dots = ByteBuffer.allocateDirect(4 * rows).order(ByteOrder.nativeOrder()).asIntBuffer();
        codesTensor = OnnxTensor.createTensor(env, codes, new long[] {rows, dim}, OnnxJavaType.INT8);
        queryTensor = OnnxTensor.createTensor(env, query, new long[] {dim, 1}, OnnxJavaType.INT8);
        dotsTensor = OnnxTensor.createTensor(env, dots, new long[] {rows, 1});
    }

    /** out[r] = dot of row r with {@code queryCodes}, for every row. */
    void scan(byte[] queryCodes, int[] out) throws OrtException {
        query.clear();
        query.put(queryCodes).flip();
        try (OrtSession.Result ignored = session.run(Map.of("codes", codesTensor, "query", queryTensor),
                Map.of("dots", dotsTensor))) {
            dots.get(0, out, 0, rows);
        }
    }

    /**
     * True when the codes tensor reads the caller's buffer: row 0 is overwritten after the tensor was made
     * and the scan must see it (restored afterwards).
     */
    boolean sharesCodesBuffer(byte[] queryCodes, int dim) throws OrtException {
        int[] out = new int[rows];
        byte[] saved = new byte[dim];
        codes.get(0, saved);
        for (int i = 0; i < dim; i++) codes.put(i, (byte) 0);
        scan(queryCodes, out);
        boolean seen = out[0] == 0;
        codes.put(0, saved);
        return seen;
    }

    @Override
    public void close() throws OrtException {
        codesTensor.close();
        queryTensor.close();
        dotsTensor.close();
        session.close();
    }

    // ---- The model: a hand-written ONNX protobuf (ModelProto with one MatMulInteger node). ----

    private static final int INT8 = 3;
    private static final int INT32 = 6;

    static byte[] model(int rows, int dim) {
        byte[] node = concat(string(1, "codes"), string(1, "query"), string(2, "dots"), string(3, "scan"),
                string(4, "MatMulInteger"));
        byte[] graph = concat(message(1, node), string(2, "int8_scan"),
                message(11, valueInfo("codes", INT8, rows, dim)), message(11, valueInfo("query", INT8, dim, 1)),
                message(12, valueInfo("dots", INT32, rows, 1)));
        byte[] opset = concat(string(1, ""), varintField(2, 13));
        return concat(varintField(1, 8), message(8, opset), message(7, graph));
    }

    private static byte[] valueInfo(String name, int elemType, long d0, long d1) {
        byte[] shape = concat(message(1, varintField(1, d0)), message(1, varintField(1, d1)));
        byte[] tensorType = concat(varintField(1, elemType), message(2, shape));
        return concat(string(1, name), message(2, message(1, tensorType)));
    }

    private static byte[] string(int field, String s) {
        return message(field, s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] message(int field, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, (long) field << 3 | 2);
        varint(out, body.length);
        out.writeBytes(body);
        return out.toByteArray();
    }

    private static byte[] varintField(int field, long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        varint(out, (long) field << 3);
        varint(out, value);
        return out.toByteArray();
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) (v & 0x7F) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
