package org.agentrouter.job;

import org.agentrouter.flink.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.GuavaRateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;

/**
 * The clock of the health probes: every parallel reader emits one tick per interval, with or without
 * query traffic. Ticks join the queries before the decode stage and travel the same path (see RouterJob).
 */
final class HealthTicks {
    private HealthTicks() {}

    static DataGeneratorSource<RawRecord> every(long intervalMs) {
        double perSecond = 1000.0 / intervalMs;
        // Per reader, not divided among readers (RateLimiterStrategy.perSecond would divide the rate by the
        // parallelism): each decode subtask then sees the same tick rate.
        RateLimiterStrategy<?> perReader = parallelism -> new GuavaRateLimiter<>(perSecond);
        @SuppressWarnings({"unchecked", "rawtypes"})
        DataGeneratorSource<RawRecord> source = new DataGeneratorSource<>(
                index -> RawRecord.healthTick(System.currentTimeMillis()), Long.MAX_VALUE,
                (RateLimiterStrategy) perReader, TypeInformation.of(RawRecord.class));
        return source;
    }
}
