package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.agentrouter.flink.FeedbackDecoder;
import org.agentrouter.rollout.report.RolloutRecords;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.routing.TrafficSplit;
import org.agentrouter.runtime.TopicAdmin;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.schema.RoutingMetric;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./router rollout report} against real topics on a real broker: a challenger first in shadow mode, then
 * live for half the users, deliberately worse (it sends cheap queries the champion sends strong, and some of them
 * fail), its decisions on routing-metrics and the agents' outcomes on routing-feedback as the job and the clients
 * write them. With the first 40 queries the report says "not yet known"; with 1,500 it says "worse", and counts every
 * record it read in the right variant.
 */
class RolloutReportEndToEndTest {
    private static final PricingTable PRICING = PricingTable.defaults();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
    private int champion;
    private int challenger;
    private int shadow;

    @Test
    void notYetKnownWithFewOutcomesThenWorseFromTheTopics() throws Exception {
        assertEquals(FeedbackDecoder.PASS_QUALITY, RolloutRecords.PASS_QUALITY, "the report counts violations as the guarantee monitor does");
        try (TestKafka kafka = TestKafka.start(dir.resolve("kafka")); TopicIO io = new TopicIO(kafka.bootstrap())) {
            TopicAdmin.ensure(kafka.bootstrap(), 2, Duration.ofSeconds(30));
            Random rnd = new Random(5);
            long start = System.currentTimeMillis();
            // An older challenger, withdrawn before this one: not part of the report.
            publish(io, rnd, "old-", 50, start - 60_000, "1.10.5", false);
            champion = 0;
            challenger = 0;
            // The scorers' "accepted" events: the report reads the decision topics from the newest challenger's first one.
            for (String[] e : new String[][] {{"1.10.5", "0", "-60000"}, {"1.11.0", "1", "5"}, {"1.11.0", "0", "0"}}) {
                io.send(Topics.MODEL_EVENTS, "seed", AvroWire.MODEL_EVENT.encode(org.agentrouter.schema.ModelEvent.newBuilder()
                        .setEvent("accepted").setModelName("seed").setModelVersion(e[0]).setRole("challenger").setServingVersion("1.10.0")
                        .setSubtask(Integer.parseInt(e[1])).setAtMs(start + Long.parseLong(e[2])).setChallengerVersion(e[0]).build()));
            }
            assertEquals(start, org.agentrouter.runtime.RolloutTopics.challengerAcceptedAtMs(
                    KafkaConnection.plaintext(kafka.bootstrap()), Duration.ofSeconds(30)).getAsLong());
            publish(io, rnd, "s-", 200, start, "1.11.0", true);
            publish(io, rnd, "a-", 40, start + 20_000, "1.11.0", false);

            JsonNode early = report(kafka.bootstrap());
            assertEquals("not yet known", early.path("verdict").asText(), early.toString());
            assertEquals("1.11.0", early.path("scope").path("challenger_version").asText());

            publish(io, rnd, "b-", 1460, start + 30_000, "1.11.0", false);
            JsonNode late = report(kafka.bootstrap());
            assertEquals("worse", late.path("verdict").asText(), late.toString());
            assertTrue(late.path("reason").asText().startsWith("it violates more"), late.path("reason").asText());
            JsonNode v = late.path("variants");
            assertEquals(champion, v.path("champion").path("decisions").asLong(), "champion decisions since the challenger started");
            assertEquals(challenger, v.path("challenger").path("decisions").asLong());
            assertEquals(shadow, v.path("shadow").path("decisions").asLong());
            assertTrue(v.path("shadow").path("unobserved").asLong() > 0, "shadow cheap where the champion went strong");
            assertEquals("challenger", late.path("difference").path("variant").asText());
            assertTrue(late.path("difference").path("violation_rate").path("lower").asDouble() > 0);
            assertTrue(late.path("difference").path("cost_saved").path("lower").asDouble() > 0, "it does save more");
            assertEquals(50 + 200 * 2 + 40 + 1460, late.path("read").path("metrics").asLong(), "every record read");
            assertEquals(0, late.path("read").path("undecodable").asLong());

            String text = printed(() -> ModelRolloutEndToEndTest.cli("rollout", "report", "--bootstrap", kafka.bootstrap()));
            assertTrue(text.contains("\nverdict: worse (it violates more: violation rate +"), text);
            assertTrue(text.contains("challenger - champion: violation rate +"), text);
        }
    }

    private JsonNode report(String bootstrap) throws Exception {
        String out = printed(() -> ModelRolloutEndToEndTest.cli("rollout", "report", "--json", "--bootstrap", bootstrap));
        return JSON.readTree(out.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow(() -> new AssertionError(out)));
    }

    /**
     * Queries whose cheap answer is good 70% of the time. Champion: cheap under a difficulty signal of 0.35; challenger:
     * under 0.5 (the signal of a query the cheap model fails is at least 0.3). In shadow mode the champion decides and
     * the challenger's decision goes on routing-metrics with shadow = true.
     */
    private void publish(TopicIO io, Random rnd, String prefix, int n, long at, String challengerVersion, boolean shadowMode) throws Exception {
        for (int i = 0; i < n; i++) {
            String id = prefix + i;
            String user = "user-" + rnd.nextInt(1000);
            boolean cheapOk = rnd.nextDouble() < 0.7;
            double signal = cheapOk ? 0.7 * rnd.nextDouble() : 0.3 + 0.7 * rnd.nextDouble();
            int tokens = 20 + rnd.nextInt(400);
            long decidedAt = at + i;
            boolean live = !shadowMode && TrafficSplit.toChallenger(user, 50);
            int tier = signal < (live ? 0.5 : 0.35) ? 0 : PRICING.strongest();
            String version = live ? challengerVersion : "1.10.0";
            io.sendNoWait(Topics.ROUTING_METRICS, id, AvroWire.METRIC.encode(metric(id, tier, tokens, version, live ? "challenger" : "champion", false, decidedAt)), failure);
            if (live) challenger++;
            else champion++;
            if (shadowMode) {
                int shadowTier = signal < 0.5 ? 0 : PRICING.strongest();
                io.sendNoWait(Topics.ROUTING_METRICS, id, AvroWire.METRIC.encode(metric(id, shadowTier, tokens, challengerVersion, "challenger", true, decidedAt)), failure);
                shadow++;
            }
            io.sendNoWait(Topics.ROUTING_FEEDBACK, "ns", AvroWire.FEEDBACK.encode(RoutingFeedback.newBuilder().setQueryId(id).setNamespace("ns")
                    .setModel(PRICING.tier(tier).model).setRoute(PRICING.tier(tier).route).setSuccess(tier == 0 ? cheapOk : true)
                    .setEventTimeMs(decidedAt + 1000).setModelVersion(version).setAlpha(0.1).build()), failure);
        }
        io.flush();
        assertEquals(null, failure.get(), "every record was written");
    }

    private static RoutingMetric metric(String id, int tier, int tokens, String version, String role, boolean shadow, long decidedAt) {
        double cost = PRICING.costUsd(tier, tokens);
        double strong = PRICING.costUsd(PRICING.strongest(), tokens);
        return RoutingMetric.newBuilder().setQueryId(id).setNamespace("ns").setRoute(PRICING.tier(tier).route)
                .setModel(PRICING.tier(tier).model).setEstimatedCostUsd(cost).setStrongCostUsd(strong).setSavedUsd(strong - cost)
                .setModelVersion(version).setDecidedAtMs(decidedAt).setLatencyUs(800).setModelRole(role).setShadow(shadow).build();
    }

    /** What a command printed on standard output (it must exit 0). */
    private static String printed(java.util.function.IntSupplier command) {
        PrintStream stdout = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, command.getAsInt());
        } finally {
            System.setOut(stdout);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        stdout.print(text);
        return text;
    }
}
