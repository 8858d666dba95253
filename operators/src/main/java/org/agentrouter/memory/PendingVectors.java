package org.agentrouter.memory;

import org.agentrouter.wire.Embeddings;

/**
 * The byte form of a recent query's vector in keyed state: IEEE half precision (float16, little-endian) after a
 * one-byte tag, 2 * dim + 1 bytes. The heap state backend copies every recent query at every checkpoint (up to
 * 10,000 per namespace), so this halves the bulk of what an idle job writes. The vector only seeds an episode
 * memory if feedback comes; float16 keeps 11 significant bits, a relative error under 2^-11 per component.
 *
 * <p>State written before this form holds float32 little-endian ({@link Embeddings}, 4 * dim bytes): always a
 * multiple of 4, so never the odd tagged length, and {@link #decode} still reads it (no state migration).
 */
public final class PendingVectors {
    private PendingVectors() {}

    /** The first byte of the float16 form (the legacy form has no tag). */
    static final byte FLOAT16 = 0x16;

    public static byte[] encode(float[] v) {
        byte[] b = new byte[1 + 2 * v.length];
        b[0] = FLOAT16;
        for (int i = 0; i < v.length; i++) {
            int h = toHalf(v[i]);
            b[1 + 2 * i] = (byte) h;
            b[2 + 2 * i] = (byte) (h >>> 8);
        }
        return b;
    }

    public static float[] decode(byte[] b) {
        if (b.length % 2 == 1 && b[0] == FLOAT16) {
            float[] v = new float[b.length / 2];
            for (int i = 0; i < v.length; i++) {
                v[i] = fromHalf((b[1 + 2 * i] & 0xff) | (b[2 + 2 * i] & 0xff) << 8);
            }
            return v;
        }
        if (b.length % Float.BYTES == 0) return Embeddings.fromBytes(b);
        throw new IllegalArgumentException("not a pending query vector: " + b.length + " bytes");
    }

    /** float32 to float16 bits, rounded to nearest even; overflow gives infinity, NaN stays NaN. */
    static int toHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) return sign | 0x7c00 | (mant != 0 ? 0x200 : 0);
        int e = exp - 127 + 15;
        if (e >= 0x1f) return sign | 0x7c00;
        if (e <= 0) {
            // Subnormal half: value = m * 2^-24.
            if (e < -10) return sign;
            int full = mant | 0x800000;
            int shift = 14 - e;
            int m = full >>> shift;
            int rest = full & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rest > halfway || (rest == halfway && (m & 1) != 0)) m++;
            return sign | m;
        }
        int h = sign | e << 10 | mant >>> 13;
        int rest = mant & 0x1fff;
        // A carry out of the mantissa raises the exponent, up to infinity: still the right rounding.
        if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) h++;
        return h;
    }

    static float fromHalf(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1f) return Float.intBitsToFloat(sign | 0x7f800000 | mant << 13);
        return Float.intBitsToFloat(sign | (exp - 15 + 127) << 23 | mant << 13);
    }
}
