package org.agentrouter.routing;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Which users a challenger model serves: user ids hash into 100 fixed buckets, and a share of N percent
 * is buckets 0..N-1. The same user always lands in the same bucket (on every subtask, after every
 * restart), and raising the share only adds users: whoever saw the challenger at 5% still does at 25%.
 */
public final class TrafficSplit {
    public static final int BUCKETS = 100;

    private TrafficSplit() {}

    /** CRC32C of the UTF-8 bytes: specified, so stable across JVMs and versions, unlike a runtime hash seed. */
    public static int bucket(String key) {
        CRC32C crc = new CRC32C();
        byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
        crc.update(bytes, 0, bytes.length);
        return (int) (crc.getValue() % BUCKETS);
    }

    public static boolean toChallenger(String key, int sharePercent) {
        return sharePercent > 0 && bucket(key) < sharePercent;
    }
}
