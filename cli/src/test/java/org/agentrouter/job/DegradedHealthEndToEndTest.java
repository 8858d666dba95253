package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.agentrouter.cli.ops.HealthCommandAccess;
import org.agentrouter.runtime.HealthStatusReader;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.HealthStatus;
import org.agentrouter.schema.RouterHealth;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.runtime.TopicAdmin;
/**
 * A job whose memory index is over its budget (--max-indexed-memories 1, three memories published): it
 * keeps deciding, with the memory it could index, and its status says DEGRADED and why; ./router health
 * exits 1.
 */
class DegradedHealthEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aFullMemoryIndexIsReportedAsDegradedWhileDecisionsContinue() throws Exception {
        try (TestKafka kafka = TestKafka.start(dir.resolve("kafka")); TopicIO io = new TopicIO(kafka.bootstrap())) {
            TopicAdmin.ensure(kafka.bootstrap(), 1, Duration.ofSeconds(30));
            JobOptions options = new JobOptions();
            options.maxIndexedMemories = 1;
            org.agentrouter.job.MemoryPublisher.publishAll(kafka.bootstrap(),
                    org.agentrouter.runtime.RandomMemoryStore.records(new java.util.Random(3), List.of("ns"), 3, "degraded"));
            options.checkpointIntervalMs = 1000;
            options.healthIntervalMs = 1000;
            StreamExecutionEnvironment env = org.agentrouter.runtime.LocalRouterJob.environment(options, 0, 0, dir.resolve("checkpoints"));
            RouterJob.onKafka(env, kafka.bootstrap(), options);
            JobClient job = env.executeAsync(RouterJob.JOB_NAME);
            try {
                // Memories and queries reach the job on separate topics: send until a decision shows the full index.
                int sent = 0;
                List<RoutingDecision> decisions = new ArrayList<>();
                RoutingDecision lastDecision = null;
                long deadline = System.currentTimeMillis() + WAIT.toMillis();
                while (sent < 12 || (lastDecision.getFallbackReason() == null
                        || !lastDecision.getFallbackReason().contains("memory index full"))) {
                    assertTrue(System.currentTimeMillis() < deadline, "no decision saw the full index");
                    AgentQuery q = AgentQuery.newBuilder().setQueryId("d-" + sent).setNamespace("ns").setUserId("u")
                            .setText("What is the capital of France? " + sent).setEventTimeMs(System.currentTimeMillis()).setContextK(3).build();
                    io.send(Topics.AGENT_QUERIES, "ns", AvroWire.QUERY.encode(q));
                    int expected = ++sent;
                    decisions.clear();
                    for (byte[] b : io.readUntil(Topics.ROUTING_DECISIONS, got -> got.size() >= expected, WAIT)) decisions.add(AvroWire.DECISION.decode(b));
                    assertEquals(sent, decisions.size(), "decisions go on with what the index holds");
                    lastDecision = decisions.stream().filter(d -> d.getQueryId().equals(q.getQueryId())).findFirst().orElseThrow();
                }
                final int total = sent;
                assertEquals(1, lastDecision.getCandidatesConsidered());

                List<RouterHealth> counted = new ArrayList<>();
                io.readUntil(Topics.ROUTER_HEALTH, got -> {
                    counted.clear();
                    for (byte[] b : got) {
                        try {
                            RouterHealth h = AvroWire.HEALTH.decode(b);
                            if (h.getDecisions() > 0) counted.add(h);
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    }
                    return counted.stream().mapToLong(RouterHealth::getDecisions).sum() >= total;
                }, WAIT);
                assertEquals(total, counted.stream().mapToLong(RouterHealth::getDecisions).sum());
                RouterHealth h = counted.get(counted.size() - 1);
                assertEquals(HealthStatus.DEGRADED, h.getStatus());
                assertFalse(h.getStoreReachable());
                assertTrue(h.getModelLoaded());
                assertEquals(0, h.getErrors(), "a full index is a state, not an error per query");
                assertTrue(h.getReasons().get(0).startsWith("memory store unreachable"), h.getReasons().toString());
                assertTrue(h.getReasons().get(0).contains("memory index full: 2 memories"), h.getReasons().toString());

                var verdict = HealthCommandAccess.assess(HealthStatusReader.read(kafka.bootstrap(), Duration.ofSeconds(10)),
                        System.currentTimeMillis());
                assertEquals(1, verdict.exitCode(), String.join("\n", verdict.lines()));
                assertTrue(verdict.lines().get(0).startsWith("DEGRADED"), verdict.lines().get(0));
            } finally {
                job.cancel().get();
            }
        }
    }
}
