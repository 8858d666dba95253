package org.agentrouter.flink;

import java.util.EnumMap;
import java.util.Map;
import org.agentrouter.schema.ErrorCategory;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/** One counter per dead-letter category, as {@code category_<name>} (label {@code category} in Prometheus). */
final class DeadLetterCounters {
    private DeadLetterCounters() {}

    static Map<ErrorCategory, Counter> register(MetricGroup router, String name) {
        Map<ErrorCategory, Counter> counters = new EnumMap<>(ErrorCategory.class);
        for (ErrorCategory c : ErrorCategory.values()) {
            counters.put(c, router.addGroup("category", c.name()).counter(name));
        }
        return counters;
    }
}
