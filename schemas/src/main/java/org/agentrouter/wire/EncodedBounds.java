package org.agentrouter.wire;

import java.util.List;
import org.apache.avro.Schema;

/**
 * Walks an Avro binary body along its writer schema without building anything, and refuses it when a length
 * or count it claims cannot be true: a string or byte field longer than the bytes left, an array block of more
 * items than the bytes left could hold, a union branch or enum symbol that does not exist, a varint of more
 * than ten bytes, a boolean that is neither 0 nor 1, or bytes left over after the record.
 *
 * <p>Why: Avro's decoder allocates what a record claims before it reads it (an array of the claimed item
 * count, a byte[] of the claimed string length), so one flipped bit in a length prefix could ask a
 * TaskManager for gigabytes. After this check passes, decoding allocates in proportion to the record's own
 * size. The walk reads every byte once and allocates nothing.</p>
 */
final class EncodedBounds {
    private final byte[] buf;
    private int pos;
    private final int end;

    private EncodedBounds(byte[] buf, int offset, int end) {
        this.buf = buf;
        this.pos = offset;
        this.end = end;
    }

    /** Checks {@code buf[offset, end)} as one datum of {@code writer}. */
    static void check(Schema writer, byte[] buf, int offset, int end) throws WireFormatException {
        EncodedBounds walk = new EncodedBounds(buf, offset, end);
        try {
            walk.datum(writer);
        } catch (Overclaim e) {
            throw new WireFormatException(org.agentrouter.schema.ErrorCategory.MALFORMED_RECORD,
                    "corrupt " + writer.getName() + " body: " + e.getMessage() + " (at byte " + walk.pos + " of "
                            + (end - offset) + ")", null);
        }
        if (walk.pos != end) {
            throw new WireFormatException(org.agentrouter.schema.ErrorCategory.MALFORMED_RECORD,
                    "corrupt " + writer.getName() + " body: " + (end - walk.pos) + " bytes left over after the record", null);
        }
    }

    /** A claim the bytes cannot back; unchecked inside the walk only. */
    private static final class Overclaim extends RuntimeException {
        Overclaim(String message) {
            super(message, null, false, false);
        }
    }

    private int remaining() {
        return end - pos;
    }

    private void datum(Schema s) {
        switch (s.getType()) {
            case NULL -> { }
            case BOOLEAN -> {
                need(1, "boolean");
                int b = buf[pos++];
                if (b != 0 && b != 1) throw new Overclaim("boolean byte " + b + " is neither 0 nor 1");
            }
            case INT -> {
                long v = varint(5);
                if (v != (int) v) throw new Overclaim("int out of range: " + v);
            }
            case LONG -> varint(10);
            case FLOAT -> skip(4, "float");
            case DOUBLE -> skip(8, "double");
            case STRING -> skip(length(AvroLimits.MAX_STRING, "string"), "string");
            case BYTES -> skip(length(AvroLimits.MAX_BYTES, "bytes"), "bytes");
            case FIXED -> skip(s.getFixedSize(), "fixed");
            case ENUM -> {
                long i = varint(5);
                if (i < 0 || i >= s.getEnumSymbols().size()) {
                    throw new Overclaim("enum " + s.getName() + " has no symbol " + i);
                }
            }
            case UNION -> {
                List<Schema> branches = s.getTypes();
                long i = varint(10);
                if (i < 0 || i >= branches.size()) throw new Overclaim("union has no branch " + i);
                datum(branches.get((int) i));
            }
            case RECORD -> {
                for (Schema.Field f : s.getFields()) datum(f.schema());
            }
            case ARRAY -> blocks(s.getElementType(), false);
            case MAP -> blocks(s.getValueType(), true);
            default -> throw new Overclaim("unsupported type " + s.getType());
        }
    }

    /** Array and map blocks: count, (byte size when the count is negative), items; a zero count ends them. */
    private void blocks(Schema item, boolean map) {
        int least = minimumSize(item) + (map ? 1 : 0);
        long total = 0;
        while (true) {
            long count = varint(10);
            if (count == 0) return;
            if (count < 0) {
                if (count == Long.MIN_VALUE) throw new Overclaim("block count out of range");
                count = -count;
                long size = varint(10);
                if (size < 0 || size > remaining()) throw new Overclaim("block of " + size + " bytes, " + remaining() + " left");
            }
            total += count;
            if (total > AvroLimits.MAX_COLLECTION_ITEMS) {
                throw new Overclaim((map ? "map" : "array") + " of more than " + AvroLimits.MAX_COLLECTION_ITEMS + " items");
            }
            if (least > 0 && count > remaining() / least) {
                throw new Overclaim((map ? "map" : "array") + " block of " + count + " items, only " + remaining()
                        + " bytes left");
            }
            for (long i = 0; i < count; i++) {
                if (map) skip(length(AvroLimits.MAX_STRING, "map key"), "map key");
                datum(item);
            }
        }
    }

    /** The fewest bytes any value of {@code s} takes: bounds how many items a block can really hold. */
    private static int minimumSize(Schema s) {
        return switch (s.getType()) {
            case NULL -> 0;
            case BOOLEAN, INT, LONG, ENUM, STRING, BYTES, ARRAY, MAP, UNION -> 1;
            case FLOAT -> 4;
            case DOUBLE -> 8;
            case FIXED -> s.getFixedSize();
            case RECORD -> {
                int n = 0;
                for (Schema.Field f : s.getFields()) n += minimumSize(f.schema());
                yield n;
            }
        };
    }

    private int length(int limit, String what) {
        long n = varint(10);
        if (n < 0) throw new Overclaim(what + " length " + n + " is negative");
        if (n > limit) throw new Overclaim(what + " length " + n + " exceeds the limit of " + limit);
        if (n > remaining()) throw new Overclaim(what + " length " + n + ", only " + remaining() + " bytes left");
        return (int) n;
    }

    private void need(int n, String what) {
        if (n > remaining()) throw new Overclaim(what + " needs " + n + " bytes, " + remaining() + " left");
    }

    private void skip(int n, String what) {
        need(n, what);
        pos += n;
    }

    /** A zig-zag varint of at most {@code maxBytes} bytes, decoded. */
    private long varint(int maxBytes) {
        long raw = 0;
        for (int shift = 0, i = 0; ; shift += 7, i++) {
            if (i == maxBytes) throw new Overclaim("varint longer than " + maxBytes + " bytes");
            need(1, "varint");
            int b = buf[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) break;
        }
        return (raw >>> 1) ^ -(raw & 1);
    }
}
