package org.agentrouter.job;

import org.agentrouter.flink.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.GuavaRateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;

/**
 * The clock of the health probes: one tick per interval, with or without query traffic. RouterJob runs one
 * reader and broadcasts each tick to every decode subtask; ticks then travel the queries' path.
 */
final class HealthTicks {
    private HealthTicks() {}

    static DataGeneratorSource<RawRecord> every(long intervalMs) {
        double perSecond = 1000.0 / intervalMs;
        // Per reader, not divided among readers (RateLimiterStrategy.perSecond would divide the rate by the
        // parallelism), should the source ever run with more than one.
        RateLimiterStrategy<?> perReader = parallelism -> new GuavaRateLimiter<>(perSecond);
        @SuppressWarnings({"unchecked", "rawtypes"})
        DataGeneratorSource<RawRecord> source = new DataGeneratorSource<>(
                index -> RawRecord.healthTick(System.currentTimeMillis()), Long.MAX_VALUE,
                (RateLimiterStrategy) perReader, TypeInformation.of(RawRecord.class));
        return source;
    }
}
