package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.agentrouter.agentdb.AgentDbFixture;
import org.agentrouter.agentdb.AgentDbImportSummary;
import org.agentrouter.agentdb.AgentDbImporter;
import org.agentrouter.runtime.Topics;
import org.agentrouter.schema.RoutingDecision;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent forgets, the router forgets: an AgentDB file (written by the agentdb npm package) imported onto
 * agent-memories of a real broker is served by the running job (Flink MiniCluster); after the agent deletes
 * a row and the file is imported again, the job no longer retrieves that memory and still retrieves the rest.
 */
class AgentDbForgetEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String NS = "forget-e2e";

    @TempDir
    Path dir;

    @Test
    void aRowTheAgentDeletedIsNoLongerRetrievedAfterTheNextImport() throws Exception {
        Path agent = dir.resolve("agent.db");
        AgentDbFixture.write(agent, Map.of(
                "episodes", List.of(
                        AgentDbFixture.episode("s1", "fix the flaky upload test", 0.9, true, null),
                        AgentDbFixture.episode("s1", "rotate the leaked api key", 1.0, true, null),
                        AgentDbFixture.episode("s2", "speed up the nightly build", 0.4, false, null)),
                "skills", List.of(Map.of("name", "bisect", "description", "find the commit that broke it"))));
        float[] forgotten = AgentDbFixture.vectors(agent, "episode_embeddings", "episode_id").get(2L);
        String forgottenId = "agentdb:" + NS + ":episode:2";
        AgentDbImporter importer = new AgentDbImporter(agent, NS, false, false, false);

        try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"));
             // Any free port: a developer's ./router demo (or another test JVM) may hold Flink's default 8081.
             MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                     .setConfiguration(anyRestPort())
                     .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            Topics.ensure(kafka.bootstrap(), 2, Duration.ofSeconds(30));
            cluster.start();
            assertEquals(4, importer.intoTopic(kafka.bootstrap(), WAIT).totalAdded());
            JobID job = submit(cluster, kafka.bootstrap());
            try (TopicIO io = new TopicIO(kafka.bootstrap())) {
                MemoryProbe probe = new MemoryProbe(io);
                probe.awaitDecision(NS, forgotten, d -> MemoryProbe.contextIds(d).contains(forgottenId)
                        && d.getCandidatesConsidered() == 4, WAIT);

                AgentDbFixture.deleteRows(agent, "episodes 2");
                AgentDbImportSummary forgot = importer.intoTopic(kafka.bootstrap(), WAIT);
                assertEquals(1, forgot.totalRetired());
                assertEquals(3, forgot.totalUnchanged());

                RoutingDecision after = probe.awaitDecision(NS, forgotten, d -> d.getCandidatesConsidered() == 3, WAIT);
                assertFalse(MemoryProbe.contextIds(after).contains(forgottenId), "a retired memory is not retrieved");
                assertTrue(MemoryProbe.contextIds(after).contains("agentdb:" + NS + ":episode:1"), "the others still are");
                assertEquals(0, importer.intoTopic(kafka.bootstrap(), WAIT).totalRetired(), "retired once");
            } finally {
                cluster.cancelJob(job).get();
            }
        }
    }

    private JobID submit(MiniCluster cluster, String bootstrap) throws Exception {
        JobOptions options = new JobOptions();
        options.groupId = "forget-e2e";
        options.checkpointIntervalMs = 500;
        options.healthIntervalMs = 0;
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").toUri().toString());
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        FlinkEnvironments.configure(env, options);
        new KafkaEndpoints(bootstrap, options.groupId, options.deliveryGuarantee()).job(options.routerConfig()).build(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(RouterJob.JOB_NAME + "-forget");
        return cluster.submitJob(graph.getJobGraph()).get().getJobID();
    }

    private static Configuration anyRestPort() {
        Configuration conf = new Configuration();
        conf.set(org.apache.flink.configuration.RestOptions.BIND_PORT, "0");
        return conf;
    }
}
