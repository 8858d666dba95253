package org.agentrouter.tracing;

/**
 * Which queries the job traces, decided once, at decode: a query whose client sent a {@code traceparent} follows its
 * sampled flag (parent-based); one without is traced at the configured ratio, chosen by a hash of where the record
 * sits in Kafka (partition and offset), so a query replayed after a failover is sampled again, and the decision is
 * made before the record is decoded (its decode is in the trace, a refused one too). Allocates nothing: it runs on
 * every query.
 */
public final class TraceSampling {
    /** Queries whose id hashes below this (as an unsigned 32-bit value) are sampled. */
    private final long threshold;

    public TraceSampling(double ratio) {
        this.threshold = (long) Math.floor(ratio * 4294967296.0);
    }

    public boolean sample(String traceparent, int partition, long offset) {
        if (TraceParent.wellFormed(traceparent)) return TraceParent.sampled(traceparent);
        if (threshold <= 0) return false;
        return (mix(offset * 31 + partition) >>> 32) < threshold;
    }

    /** Murmur3's 64-bit finalizer: consecutive offsets spread evenly over the range. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
