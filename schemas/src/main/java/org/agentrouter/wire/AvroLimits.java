package org.agentrouter.wire;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.SystemLimitException;

/**
 * Avro's own decoding limits ({@code org.apache.avro.limits.*} system properties). Avro reads them once, when
 * its {@code SystemLimitException} class is first used, and defaults them to about 2^31: a record claiming a
 * two-billion-item array or a 2 GB string makes the decoder allocate for that claim before it notices the
 * bytes are not there. {@link EncodedBounds} already refuses such claims for our topics; these limits are the
 * second line for anything else in the JVM that decodes Avro.
 *
 * <p>Set in {@code flink-conf/config.yaml} ({@code env.java.opts.all}) for a cluster, and by {@link #install()}
 * in the CLI, the job's entry point and {@link AvroWire}'s class initialisation, which keeps a value already
 * given on the command line.</p>
 */
public final class AvroLimits {
    /** The largest byte field we ever decode: a model release's ONNX graph (router-models). */
    public static final int MAX_BYTES = 64 << 20;
    /** The largest string: a memory's or query's text is bounded far below this by validation. */
    public static final int MAX_STRING = 1 << 20;
    /** The largest array or map: a 384-d embedding, tags, context ids, a release's metadata. */
    public static final int MAX_COLLECTION_ITEMS = 100_000;

    private AvroLimits() {}

    /** The system properties and their values, as {@code -Dkey=value} options would set them. */
    public static Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, Integer.toString(MAX_BYTES));
        p.put(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, Integer.toString(MAX_STRING));
        p.put(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, Integer.toString(MAX_COLLECTION_ITEMS));
        return p;
    }

    /**
     * Sets each limit that is not set yet. Effective only when it runs before Avro first checks a limit in
     * this class loader; {@link #active()} tells whether it did.
     */
    public static void install() {
        properties().forEach((k, v) -> {
            if (System.getProperty(k) == null) System.setProperty(k, v);
        });
    }

    /** Whether Avro enforces a collection limit at most ours (it was installed in time, or set stricter). */
    public static boolean active() {
        try {
            SystemLimitException.checkMaxCollectionLength(0L, (long) MAX_COLLECTION_ITEMS + 1);
            return false;
        } catch (SystemLimitException e) {
            return true;
        }
    }
}
