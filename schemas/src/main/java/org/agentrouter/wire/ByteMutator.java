package org.agentrouter.wire;

import java.util.Arrays;
import java.util.Random;

/**
 * Damages an encoded record the ways a broken producer, a bad disk or a hostile client would: flipped bits,
 * truncation, spliced or duplicated ranges, a length or count prefix overwritten with a huge or negative varint,
 * a valid header in front of random bytes, or nothing but random bytes. Used by the fuzz tests and by
 * {@code ./router fuzz}; deterministic for a given {@link Random}.
 */
public final class ByteMutator {
    /** The kinds of damage, one per {@link #mutate} call. */
    public enum Kind { BIT_FLIPS, TRUNCATE, SPLICE, DUPLICATE_RANGE, DELETE_RANGE, HUGE_LENGTH, NEGATIVE_LENGTH, RANDOM_BODY, RANDOM_BYTES, EMPTY }

    private static final Kind[] KINDS = Kind.values();
    private static final int HEADER = 10;

    private ByteMutator() {}

    public static Kind randomKind(Random rnd) {
        return KINDS[rnd.nextInt(KINDS.length)];
    }

    /** A damaged copy of {@code record} (which is left as it is). */
    public static byte[] mutate(byte[] record, Kind kind, Random rnd) {
        int n = record.length;
        if (n == 0) {
            return kind == Kind.EMPTY ? new byte[0] : new byte[] {(byte) rnd.nextInt()};
        }
        switch (kind) {
            case BIT_FLIPS -> {
                byte[] out = record.clone();
                int flips = 1 + rnd.nextInt(rnd.nextBoolean() ? 1 : 8);
                for (int i = 0; i < flips; i++) {
                    int bit = rnd.nextInt(n * 8);
                    out[bit >>> 3] ^= (byte) (1 << (bit & 7));
                }
                return out;
            }
            case TRUNCATE -> {
                return Arrays.copyOf(record, rnd.nextInt(Math.max(1, n)));
            }
            case SPLICE -> {
                int at = rnd.nextInt(n + 1);
                byte[] junk = new byte[1 + rnd.nextInt(16)];
                rnd.nextBytes(junk);
                return join(Arrays.copyOfRange(record, 0, at), junk, Arrays.copyOfRange(record, at, n));
            }
            case DUPLICATE_RANGE -> {
                int from = rnd.nextInt(n);
                int to = Math.min(n, from + 1 + rnd.nextInt(32));
                return join(Arrays.copyOfRange(record, 0, to), Arrays.copyOfRange(record, from, to), Arrays.copyOfRange(record, to, n));
            }
            case DELETE_RANGE -> {
                int from = rnd.nextInt(n);
                int to = Math.min(n, from + 1 + rnd.nextInt(32));
                return join(Arrays.copyOfRange(record, 0, from), Arrays.copyOfRange(record, to, n));
            }
            case HUGE_LENGTH, NEGATIVE_LENGTH -> {
                // Overwrite the bytes at a body position with a varint that claims a huge (or negative) length or
                // count: wherever a length prefix sat, the decoder now reads the claim.
                long claim = kind == Kind.HUGE_LENGTH
                        ? (rnd.nextBoolean() ? Integer.MAX_VALUE - rnd.nextInt(16) : (1L << (20 + rnd.nextInt(40))))
                        : -(1L + rnd.nextInt(Integer.MAX_VALUE));
                byte[] varint = zigzagVarint(claim);
                int at = n <= HEADER ? 0 : HEADER + rnd.nextInt(n - HEADER);
                byte[] out = Arrays.copyOf(record, Math.max(n, at + varint.length));
                System.arraycopy(varint, 0, out, at, varint.length);
                return out;
            }
            case RANDOM_BODY -> {
                byte[] out = Arrays.copyOf(record, Math.min(n, HEADER) + rnd.nextInt(2 * n + 1));
                byte[] body = new byte[out.length - Math.min(n, HEADER)];
                rnd.nextBytes(body);
                System.arraycopy(body, 0, out, Math.min(n, HEADER), body.length);
                return out;
            }
            case RANDOM_BYTES -> {
                byte[] out = new byte[rnd.nextInt(2 * n + 1)];
                rnd.nextBytes(out);
                return out;
            }
            case EMPTY -> {
                return new byte[0];
            }
            default -> throw new IllegalArgumentException("unknown kind " + kind);
        }
    }

    static byte[] zigzagVarint(long v) {
        long z = (v << 1) ^ (v >> 63);
        byte[] buf = new byte[10];
        int i = 0;
        while ((z & ~0x7FL) != 0) {
            buf[i++] = (byte) ((z & 0x7F) | 0x80);
            z >>>= 7;
        }
        buf[i++] = (byte) z;
        return Arrays.copyOf(buf, i);
    }

    private static byte[] join(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) len += p.length;
        byte[] out = new byte[len];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
