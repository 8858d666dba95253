package org.agentrouter.memory.kernels;

/** The int8 codes of a vector ({@link Int8Dot} scans them): one scale per vector, symmetric. */
public final class Int8Codes {
    private Int8Codes() {}

    /** Symmetric int8 quantization with one scale per vector: keeps the direction within ~0.4% per component. */
    public static void quantize(float[] v, byte[] out, int offset, int dim, float[] scales, int scaleIndex) {
        float max = 0f;
        for (int i = 0; i < dim; i++) {
            max = Math.max(max, Math.abs(v[i]));
        }
        float s = max / 127f;
        float inv = max == 0f ? 0f : 127f / max;
        for (int i = 0; i < dim; i++) {
            out[offset + i] = (byte) Math.round(v[i] * inv);
        }
        scales[scaleIndex] = s;
    }
}
