package org.agentrouter.replay;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * One namespace of a replayed stream: its queries (rows of an outcome table) in the seeded order they arrive
 * in, each with the prior's p_strong, both models' outcomes (hidden from the router until it decided) and the
 * cost of each model.
 */
public record ReplayNamespace(String name, int[] rows, String[] queryIds, double[] prior, double[] weak, double[] strong,
                              double[] weakCost, double[] strongCost) {

    public int size() {
        return rows.length;
    }

    /** The arrival order of a namespace's rows: a shuffle seeded by the stream's seed and the namespace's name. */
    public static int[] order(int[] rows, String namespace, long seed) {
        CRC32C crc = new CRC32C();
        crc.update(namespace.getBytes(StandardCharsets.UTF_8));
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + crc.getValue());
        int[] out = rows.clone();
        for (int i = out.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }
}
