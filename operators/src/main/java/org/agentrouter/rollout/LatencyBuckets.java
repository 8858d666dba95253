package org.agentrouter.rollout;

/**
 * Log-scale latency buckets (4 per doubling, about 19% wide) from 1 us to about 2^30 us: an update is a few
 * arithmetic operations and an array increment, so the hot path can count every query, and counts from many
 * subtasks add up exactly, where percentiles of percentiles would not.
 */
public final class LatencyBuckets {
    static final int PER_DOUBLING = 4;
    static final int DOUBLINGS = 30;
    public static final int COUNT = PER_DOUBLING * DOUBLINGS + 1;

    private LatencyBuckets() {}

    /** Bucket of a latency in microseconds (values below 1 us go to bucket 0, the last bucket is open). */
    public static int index(long micros) {
        if (micros <= 1) return 0;
        int exponent = 63 - Long.numberOfLeadingZeros(micros); // floor(log2)
        if (exponent >= DOUBLINGS) return COUNT - 1;
        // The two bits below the leading one pick the quarter of the doubling.
        int quarter = exponent >= 2 ? (int) ((micros >>> (exponent - 2)) & 3) : (int) ((micros << (2 - exponent)) & 3);
        return exponent * PER_DOUBLING + quarter + 1;
    }

    /** Upper bound (microseconds) of a bucket: what a percentile falling in it is reported as. */
    public static long upperBound(int index) {
        if (index <= 0) return 1;
        int exponent = (index - 1) / PER_DOUBLING;
        int quarter = (index - 1) % PER_DOUBLING;
        return (1L << exponent) + ((quarter + 1) * (1L << exponent)) / PER_DOUBLING;
    }

    /** The {@code q} quantile (0..1) of the counts, as the upper bound of its bucket; 0 when empty. */
    public static long quantile(long[] counts, double q) {
        long total = 0;
        for (long c : counts) total += c;
        if (total == 0) return 0;
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= Math.max(1, rank)) return upperBound(i);
        }
        return upperBound(counts.length - 1);
    }
}
