package org.agentrouter.cli.ops;

import org.agentrouter.job.KafkaPropertiesOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.agentrouter.runtime.HealthStatusReader;
import org.agentrouter.schema.HealthStatus;
import org.agentrouter.schema.RouterHealth;
import org.agentrouter.wire.JsonRecords;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.HumanDuration;
@Command(name = "health", mixinStandardHelpOptions = true,
        description = {"The latest status of each routing subtask of the newest job, from the router-health topic.",
            "Exit code: 0 healthy, 1 degraded, 2 unhealthy, stale, a subtask missing, or no status at all."})
public final class HealthCommand implements Callable<Integer> {
    static final int HEALTHY = 0;
    static final int DEGRADED = 1;
    static final int CRITICAL = 2;

    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Mixin
    KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Option(names = "--max-age", converter = HumanDuration.class,
            description = "a status older than this is stale (default: 3 health intervals, as each record states)")
    Duration maxAge;

    @Option(names = "--timeout", converter = HumanDuration.class, defaultValue = "10s", description = "for reaching Kafka (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--json", description = "print the latest record of each subtask as a JSON line")
    boolean json;

    @Override
    public Integer call() {
        HealthStatusReader.Snapshot snapshot;
        try {
            snapshot = HealthStatusReader.read(kafkaProperties.connect(bootstrap), timeout);
        } catch (RuntimeException e) {
            System.out.println("UNKNOWN: cannot read " + "router-health: " + e.getMessage());
            return CRITICAL;
        }
        if (json) {
            snapshot.bySubtask().values().forEach(h -> System.out.println(JsonRecords.toJson(h)));
        }
        Assessment a = assess(snapshot, System.currentTimeMillis(), maxAge);
        a.lines.forEach(System.out::println);
        return a.exitCode;
    }

    record Assessment(int exitCode, List<String> lines) {}

    /** The overall verdict: the worst subtask decides; stale or missing subtasks count as unhealthy. */
    static Assessment assess(HealthStatusReader.Snapshot s, long nowMs, Duration maxAge) {
        List<String> lines = new ArrayList<>();
        if (s.isEmpty()) {
            lines.add("UNHEALTHY: no status on router-health (is the job running? it publishes one per subtask every few seconds)");
            return new Assessment(CRITICAL, lines);
        }
        int worst = HEALTHY;
        List<String> body = new ArrayList<>();
        for (int subtask = 0; subtask < s.parallelism(); subtask++) {
            RouterHealth h = s.bySubtask().get(subtask);
            if (h == null) {
                body.add(String.format(Locale.ROOT, "subtask %d  MISSING    no status from this subtask", subtask));
                worst = CRITICAL;
                continue;
            }
            long age = nowMs - h.getAtMs();
            long limit = maxAge != null ? maxAge.toMillis() : 3 * Math.max(1, h.getIntervalMs());
            boolean stale = age > limit;
            String status = stale ? "STALE" : h.getStatus().name();
            int code = stale || h.getStatus() == HealthStatus.UNHEALTHY ? CRITICAL
                    : h.getStatus() == HealthStatus.DEGRADED ? DEGRADED : HEALTHY;
            worst = Math.max(worst, code);
            body.add(String.format(Locale.ROOT,
                    "subtask %d  %-9s  model %s, store %s, breakers scorer %s / retrieval %s, %d decisions (%d fallbacks, %d errors) in %.1f s, last decision %s, probe lag %d ms, reported %.1f s ago",
                    subtask, status, h.getModelLoaded() ? h.getModelVersion() : "NOT LOADED",
                    h.getStoreReachable() ? "ok" : "UNREACHABLE", h.getScorerBreaker(), h.getRetrievalBreaker(),
                    h.getDecisions(), h.getFallbacks(), h.getErrors(), h.getWindowMs() / 1000.0,
                    h.getLastDecisionAgeMs() < 0 ? "none yet" : String.format(Locale.ROOT, "%.1f s ago", h.getLastDecisionAgeMs() / 1000.0),
                    h.getProbeLagMs(), age / 1000.0));
            if (stale) {
                body.add("    - stale: the last status is " + age / 1000 + " s old (limit " + limit / 1000 + " s): the job is down or stuck");
            }
            for (String reason : h.getReasons()) body.add("    - " + reason);
        }
        String overall = worst == HEALTHY ? "HEALTHY" : worst == DEGRADED ? "DEGRADED" : "UNHEALTHY";
        lines.add(String.format(Locale.ROOT, "%s: job %s, %d routing subtask(s), newest status at %s",
                overall, s.jobId(), s.parallelism(), Instant.ofEpochMilli(newest(s))));
        lines.addAll(body);
        if (s.undecodable() > 0) lines.add(s.undecodable() + " undecodable record(s) on router-health ignored");
        return new Assessment(worst, lines);
    }

    private static long newest(HealthStatusReader.Snapshot s) {
        long t = 0;
        for (RouterHealth h : s.bySubtask().values()) t = Math.max(t, h.getAtMs());
        return t;
    }
}
