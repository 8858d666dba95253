package org.agentrouter.fuzz;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.DeadLetter;

/**
 * What a fuzz run found, per input: records tried, expected dead letters (what the job's own intake refuses),
 * dead letters seen, and the deviations that mean a defect: a refused record with no dead letter or with two, a
 * dead letter for a record the job should have taken, a different category than the intake gave, a clean query
 * not decided (or decided twice), a memory probe that finds a refused memory or misses an accepted one.
 */
public final class FuzzReport {
    /** Counts of one input topic. */
    public static final class Row {
        public long tried;
        public long expectedDeadLetters;
        public long deadLettered;
        public long missing;
        public long duplicated;
        public long unexpected;
        public long wrongCategory;
        /** Refused by the intake, yet decided by the job: the job's limits differ from the checker's (its --k?). */
        public long decidedDespiteRefusal;
    }

    public final Map<String, Row> byTopic = new LinkedHashMap<>();
    /** Per kind of damage (or "none": well-formed, fields at their edges now and then): tried, refused, accepted, decided. */
    public final Map<String, long[]> byDamage = new java.util.TreeMap<>();
    public long validQueries;
    public long validDecided;
    public long validDuplicated;
    public long strayDeadLetters;
    /** Fuzzed queries the intake accepts are valid queries: each must be decided too. */
    public long acceptedQueriesUndecided;
    public long probesAccepted;
    public long probesAcceptedFound;
    public long probesRefused;
    public long probesRefusedFound;
    public long probesUnanswered;
    /** Set by the caller when it can ask Flink (REST): the job's restarts during the run; -1 unknown. */
    public long restarts = -1;
    /** Records the broker refused as over its message size limit (never reached the job). */
    public long refusedByKafka;
    private final List<String> examples = new ArrayList<>();

    FuzzReport() {
        for (String t : List.of(Topics.AGENT_QUERIES, Topics.ROUTING_FEEDBACK, Topics.AGENT_MEMORIES)) byTopic.put(t, new Row());
    }

    void sent(FuzzTraffic.Sent s) {
        if (s.clean()) return; // counted as clean queries
        Row r = byTopic.get(s.topic());
        r.tried++;
        if (s.expectedDeadLetter()) r.expectedDeadLetters++;
    }

    long expectedDeadLetters() {
        return byTopic.values().stream().mapToLong(r -> r.expectedDeadLetters).sum();
    }

    void category(FuzzTraffic.Sent s, DeadLetter d) {
        if (s.expectedDeadLetter() && s.expectedCategory() != d.getCategory()) {
            byTopic.get(s.topic()).wrongCategory++;
            example("wrong category at " + s + ": " + d.getCategory() + " (" + d.getReason() + ")");
        }
    }

    void strayDeadLetter(DeadLetter d) {
        strayDeadLetters++;
        example("dead letter without source coordinates: stage " + d.getStage() + ", " + d.getCategory() + " " + d.getReason());
    }

    void deadLetters(Map<String, Integer> letters, Map<String, FuzzTraffic.Sent> sent, Map<String, Integer> decided) {
        for (Map.Entry<String, FuzzTraffic.Sent> e : sent.entrySet()) {
            FuzzTraffic.Sent s = e.getValue();
            int n = letters.getOrDefault(e.getKey(), 0);
            if (s.clean()) {
                if (n > 0) example("dead letter for clean query " + s);
                continue;
            }
            Row r = byTopic.get(s.topic());
            if (n > 0) r.deadLettered++;
            if (n > 1) {
                r.duplicated++;
                example(n + " dead letters for " + s);
            }
            if (s.expectedDeadLetter() && n == 0) {
                if (s.refusedQueryId() != null && decided.containsKey(s.refusedQueryId())) {
                    r.decidedDespiteRefusal++;
                    example("decided although the intake refuses it (" + s.expectedCategory() + "): " + s);
                } else {
                    r.missing++;
                    example("no dead letter for " + s);
                }
            }
            if (!s.expectedDeadLetter() && n > 0) {
                r.unexpected++;
                example("dead letter for a record the job should take: " + s);
            }
        }
    }

    void decisions(Set<String> valid, Map<String, Integer> decided) {
        validQueries = valid.size();
        for (String id : valid) {
            int n = decided.getOrDefault(id, 0);
            if (n > 0) validDecided++;
            if (n > 1) validDuplicated++;
            if (n == 0) example("clean query " + id + " not decided");
        }
    }

    void byDamage(List<FuzzTraffic.Sent> sent, Map<String, Integer> letters, Map<String, Integer> decided) {
        for (FuzzTraffic.Sent s : sent) {
            if (s.clean()) continue;
            long[] r = byDamage.computeIfAbsent(s.damage(), k -> new long[5]);
            r[0]++;
            if (letters.getOrDefault(FuzzCheck.key(s.topic(), s.partition(), s.offset()), 0) > 0) r[1]++;
            if (!s.expectedDeadLetter()) r[2]++;
            if (s.decisionId() != null) {
                r[3]++;
                if (decided.containsKey(s.decisionId())) {
                    r[4]++;
                } else {
                    acceptedQueriesUndecided++;
                    example("accepted query " + s.decisionId() + " (" + s.damage() + ") not decided");
                }
            }
        }
    }

    void probe(boolean accepted, boolean answered, boolean found) {
        if (!answered) {
            probesUnanswered++;
            return;
        }
        if (accepted) {
            probesAccepted++;
            if (found) probesAcceptedFound++;
        } else {
            probesRefused++;
            if (found) {
                probesRefusedFound++;
                example("a refused memory was retrieved");
            }
        }
    }

    private void example(String s) {
        if (examples.size() < 20) examples.add(s);
    }

    /** Every deviation; empty when the router did exactly what its intake promised. */
    public List<String> problems() {
        List<String> p = new ArrayList<>();
        byTopic.forEach((t, r) -> {
            if (r.missing > 0) p.add(t + ": " + r.missing + " refused records without a dead letter");
            if (r.duplicated > 0) p.add(t + ": " + r.duplicated + " records dead-lettered more than once");
            if (r.unexpected > 0) p.add(t + ": " + r.unexpected + " dead letters for records the job should have taken");
            if (r.wrongCategory > 0) p.add(t + ": " + r.wrongCategory + " dead letters of another category than the intake's");
            if (r.decidedDespiteRefusal > 0) p.add(t + ": " + r.decidedDespiteRefusal
                    + " records the intake refuses were decided (do the job's limits, e.g. --k, match the checker's?)");
        });
        if (validDecided < validQueries) p.add((validQueries - validDecided) + " of " + validQueries + " clean queries not decided");
        if (validDuplicated > 0) p.add(validDuplicated + " clean queries decided more than once");
        if (acceptedQueriesUndecided > 0) p.add(acceptedQueriesUndecided + " accepted fuzzed queries not decided");
        if (strayDeadLetters > 0) p.add(strayDeadLetters + " dead letters from a stage after decoding (internal errors)");
        if (probesRefusedFound > 0) p.add(probesRefusedFound + " refused memories retrievable");
        if (probesAcceptedFound < probesAccepted) p.add((probesAccepted - probesAcceptedFound) + " accepted memories not retrievable");
        if (probesUnanswered > 0) p.add(probesUnanswered + " memory probes not answered");
        if (restarts > 0) p.add("the job restarted " + restarts + " times");
        return p;
    }

    public List<String> examples() {
        return examples;
    }

    /** The table BENCHMARKS.md keeps: input kind, records tried, dead-lettered, decided, restarts. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-28s %9s %12s %13s %8s %8s %9s %8s%n", "input", "tried", "expected DLQ", "dead-lettered",
                "missing", "twice", "unexpected", "decided"));
        byTopic.forEach((t, r) -> b.append(String.format("%-28s %9d %12d %13d %8d %8d %9d %8d%n", t + " (fuzzed)", r.tried,
                r.expectedDeadLetters, r.deadLettered, r.missing, r.duplicated, r.unexpected, r.decidedDespiteRefusal)));
        b.append(String.format("%-28s %9d %12s %13s  decided %d, twice %d%n", "clean queries", validQueries, "0", "-",
                validDecided, validDuplicated));
        b.append(String.format("%n%-18s %9s %13s %9s %16s %8s%n", "damage", "tried", "dead-lettered", "accepted", "accepted queries", "decided"));
        byDamage.forEach((k, r) -> b.append(String.format("%-18s %9d %13d %9d %16d %8d%n", k, r[0], r[1], r[2], r[3], r[4])));
        b.append(String.format("memory probes: accepted %d found %d; refused %d found %d; unanswered %d%n",
                probesAccepted, probesAcceptedFound, probesRefused, probesRefusedFound, probesUnanswered));
        b.append("refused by Kafka itself (over message.max.bytes): ").append(refusedByKafka).append('\n');
        b.append("restarts: ").append(restarts < 0 ? "unknown (no --flink-rest)" : Long.toString(restarts)).append('\n');
        return b.toString();
    }
}
