package org.agentrouter.cli.ops;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;

/**
 * What a demo run decided, printed when it ends (Ctrl-C or --duration): decisions, the cheap share, the cost saved
 * against sending everything to the strong model, fallbacks by level, end-to-end latency percentiles (from the
 * query's event time to the decision read back from Kafka) and how many decisions carried memory context.
 * Thread-safe: the shutdown hook prints it while the consumer thread may still add.
 */
final class DemoSummary {
    /** Up to an hour, 3 significant digits; later decisions are clamped there. */
    private static final long MAX_LATENCY_MS = 3_600_000L;

    private final Histogram latencyMs = new Histogram(MAX_LATENCY_MS, 3);
    private final Map<FallbackLevel, Long> byLevel = new EnumMap<>(FallbackLevel.class);
    private long decisions;
    private long cheap;
    private long withContext;
    private double costUsd;
    private double strongCostUsd;

    /** @param readAtMs when the decision was read back (wall clock, as the query's event time) */
    synchronized void add(RoutingDecision d, long readAtMs) {
        decisions++;
        if ("cheap".equals(d.getRoute())) cheap++;
        if (!d.getContext().isEmpty()) withContext++;
        costUsd += d.getEstimatedCostUsd();
        strongCostUsd += d.getStrongCostUsd();
        byLevel.merge(d.getFallbackLevel(), 1L, Long::sum);
        latencyMs.recordValue(Math.max(0, Math.min(MAX_LATENCY_MS, readAtMs - d.getEventTimeMs())));
    }

    synchronized long decisions() {
        return decisions;
    }

    /** The summary, several lines, for a run of {@code elapsedMs}. */
    synchronized String render(long elapsedMs) {
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "demo summary: %,d decisions in %s", decisions, elapsed(elapsedMs)));
        if (decisions == 0) {
            lines.add("  no decision arrived (the job needs some seconds to start: run it longer)");
            return String.join(System.lineSeparator(), lines);
        }
        lines.add(String.format(Locale.ROOT, "  routes: cheap %.1f%% (%,d), strong %.1f%% (%,d)",
                percent(cheap), cheap, percent(decisions - cheap), decisions - cheap));
        double saved = strongCostUsd - costUsd;
        lines.add(String.format(Locale.ROOT, "  cost: $%.4f against $%.4f all-strong, saved $%.4f (%.1f%%)",
                costUsd, strongCostUsd, saved, strongCostUsd > 0 ? 100 * saved / strongCostUsd : 0));
        long fallbacks = decisions - byLevel.getOrDefault(FallbackLevel.NONE, 0L);
        StringBuilder levels = new StringBuilder();
        for (Map.Entry<FallbackLevel, Long> e : byLevel.entrySet()) {
            if (e.getKey() == FallbackLevel.NONE) continue;
            levels.append(levels.length() == 0 ? ": " : ", ").append(e.getKey()).append(' ').append(e.getValue());
        }
        lines.add(String.format(Locale.ROOT, "  fallbacks: %,d (%.1f%%)%s", fallbacks, percent(fallbacks), levels));
        lines.add(String.format(Locale.ROOT, "  end-to-end latency (query sent -> decision read): p50 %d ms, p99 %d ms, max %d ms",
                latencyMs.getValueAtPercentile(50), latencyMs.getValueAtPercentile(99), latencyMs.getMaxValue()));
        lines.add(String.format(Locale.ROOT, "  memory context: %.1f%% of decisions carried at least one memory", percent(withContext)));
        return String.join(System.lineSeparator(), lines);
    }

    private double percent(long n) {
        return 100.0 * n / decisions;
    }

    private static String elapsed(long ms) {
        long s = Math.round(ms / 1000.0);
        return s < 60 ? s + "s" : s / 60 + "m" + String.format(Locale.ROOT, "%02ds", s % 60);
    }
}
