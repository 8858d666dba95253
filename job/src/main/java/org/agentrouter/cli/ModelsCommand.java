package org.agentrouter.cli;

import org.agentrouter.job.KafkaPropertiesOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.agentrouter.runtime.Topics;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.WireFormatException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = {"What the job serves, per scorer subtask, from the model-events topic: the champion and since when",
            "(and how long its release took to check and load), the challenger with its share or shadow mode, then",
            "the rollbacks (by an operator or automatic, with the reason) and the refusals."})
final class ModelsCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Mixin
    KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Option(names = "--history", description = "print every event, not only the current state")
    boolean history;

    /** What one scorer subtask serves, as its events tell. */
    private static final class Serving {
        ModelEvent last;
        long championSinceMs = -1;
        long championLoadMs = -1;
        String championVersion;
        long challengerSinceMs = -1;
        long challengerLoadMs = -1;
    }

    @Override
    public Integer call() {
        Properties p = kafkaProperties.connect(bootstrap).clientConfig();
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "router-models-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<Integer, Serving> bySubtask = new TreeMap<>();
        List<String> rollbacks = new ArrayList<>();
        List<String> refusals = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(Topics.MODEL_EVENTS));
            long idleUntil = System.currentTimeMillis() + 5_000;
            while (System.currentTimeMillis() < idleUntil) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(300))) {
                    idleUntil = System.currentTimeMillis() + 1_500;
                    ModelEvent e;
                    try {
                        e = AvroWire.MODEL_EVENT.decode(r.value());
                    } catch (WireFormatException ex) {
                        System.err.println("offset " + r.offset() + ": " + ex.getMessage());
                        continue;
                    }
                    if (history) {
                        System.out.printf("%s subtask %d %-13s %s %s %s%s -> serving %s%s%n", Instant.ofEpochMilli(e.getAtMs()),
                                e.getSubtask(), e.getEvent(), e.getRole(), e.getModelName(), e.getModelVersion(),
                                e.getRule() == null && e.getReason() == null ? ""
                                        : " (" + (e.getRule() == null ? "" : e.getRule() + ": ") + e.getReason() + ")",
                                e.getServingVersion(), challenger(e));
                    }
                    apply(e, bySubtask, rollbacks, refusals);
                }
            }
        }
        if (bySubtask.isEmpty() && rollbacks.isEmpty()) {
            System.out.println("no model events yet: every scorer serves the release bundled in the job");
            return 0;
        }
        bySubtask.forEach((subtask, s) -> {
            ModelEvent e = s.last;
            System.out.printf("subtask %d: champion %s since %s%s%n", subtask, e.getServingVersion(),
                    s.championSinceMs < 0 ? "start (bundled or restored)" : Instant.ofEpochMilli(s.championSinceMs),
                    s.championLoadMs < 0 ? "" : " (loaded in " + s.championLoadMs + " ms)");
            if (!e.getChallengerVersion().isEmpty()) {
                System.out.printf("           challenger %s, %s, since %s%s%n", e.getChallengerVersion(),
                        e.getChallengerShadow() ? "shadow mode (scores every query, decides none)"
                                : e.getChallengerSharePercent() + "% of users",
                        s.challengerSinceMs < 0 ? "?" : Instant.ofEpochMilli(s.challengerSinceMs),
                        s.challengerLoadMs < 0 ? "" : " (loaded in " + s.challengerLoadMs + " ms)");
            }
        });
        System.out.printf("%d rollback(s)%s%n", rollbacks.size(), rollbacks.isEmpty() ? "" : ":");
        rollbacks.forEach(line -> System.out.println("  " + line));
        System.out.printf("%d refusal(s)%s%n", refusals.size(), refusals.isEmpty() ? "" : history ? ":" : ", the last:");
        List<String> shown = history ? refusals : refusals.subList(Math.max(0, refusals.size() - 3), refusals.size());
        shown.forEach(line -> System.out.println("  " + line));
        return 0;
    }

    private static String challenger(ModelEvent e) {
        if (e.getChallengerVersion().isEmpty()) return "";
        return ", challenger " + e.getChallengerVersion() + (e.getChallengerShadow() ? " (shadow)" : " (" + e.getChallengerSharePercent() + "%)");
    }

    static void apply(ModelEvent e, Map<Integer, Serving> bySubtask, List<String> rollbacks, List<String> refusals) {
        String at = Instant.ofEpochMilli(e.getAtMs()).toString();
        switch (e.getEvent()) {
            case "auto rollback" -> {
                // The rollout judge's decision (one event for the job); every scorer then reports "rolled back".
                rollbacks.add(at + " automatic: challenger " + e.getModelVersion() + " (" + e.getRule() + "): " + e.getReason());
                return;
            }
            case "drift", "drift-cleared" -> {
                return; // the guarantee monitor's, not a scorer's
            }
            case "refused" -> refusals.add(at + " subtask " + e.getSubtask() + " " + e.getModelName() + " " + e.getModelVersion()
                    + " (" + e.getRule() + "): " + e.getReason());
            case "rolled back" -> {
                if (e.getSubtask() == 0) rollbacks.add(at + " " + e.getRole() + " " + e.getModelVersion() + ": " + e.getReason());
            }
            default -> { }
        }
        Serving s = bySubtask.computeIfAbsent(e.getSubtask(), k -> new Serving());
        if (!e.getServingVersion().equals(s.championVersion)) {
            if (s.championVersion != null || !e.getEvent().equals("refused")) {
                s.championSinceMs = e.getAtMs();
                s.championLoadMs = e.getEvent().equals("accepted") || e.getEvent().equals("promoted") ? e.getLoadMs() : -1;
            }
            s.championVersion = e.getServingVersion();
        }
        if (e.getEvent().equals("accepted") && e.getRole().equals("challenger")) {
            s.challengerSinceMs = e.getAtMs();
            s.challengerLoadMs = e.getLoadMs();
        }
        s.last = e;
    }
}
