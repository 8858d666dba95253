package org.agentrouter.modelbuild;

/**
 * A weight matrix quantized symmetrically per tensor to int8: w ~ q * scale, q in [-127, 127]. Symmetric
 * (zero point 0) because trained weights are centred on zero, and per tensor because the matrices are
 * small enough that one scale each loses little (the INT8 test bounds the output difference).
 */
public record Int8Tensor(byte[] values, float scale) {
    public static Int8Tensor quantize(float[] w) {
        float max = 0f;
        for (float v : w) max = Math.max(max, Math.abs(v));
        // An all-zero tensor still needs a positive scale: DequantizeLinear divides nothing, but 0 is not a scale.
        float scale = max > 0 ? max / 127f : 1f;
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) q[i] = (byte) Math.max(-127, Math.min(127, Math.round(w[i] / scale)));
        return new Int8Tensor(q, scale);
    }

    /** What DequantizeLinear computes from these values, in float32 as ONNX Runtime does. */
    public float[] dequantized() {
        float[] w = new float[values.length];
        for (int i = 0; i < w.length; i++) w[i] = values[i] * scale;
        return w;
    }
}
