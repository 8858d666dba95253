package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.agentrouter.runtime.TopicAdmin;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Embeddings;
import org.agentrouter.wire.Topics;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint written by the job as it was before the house refactoring (commit a7093f6: RetrievalFunction,
 * the model code inside CandidateScorer, one job module) restores into today's job, with every state claimed
 * (no --allow-non-restored-state): the memories of its keyed state are retrieved, a recent query it kept (a
 * {@code RecentQuery} POJO, whose class name the savepoint records) becomes an episode when its feedback arrives,
 * and the guarantee monitor's and rollout judge's state (GuaranteeWindow, VariantStats) loads. It restores with
 * {@code --learning on}: the per-namespace learner's keyed state, newer than the savepoint, starts empty.
 *
 * <p>The savepoint (src/test/resources/savepoints/pre-house, about 100 KB) was made by a program run on the
 * pre-refactor jars against an in-process broker; its Kafka source offsets lie beyond this test's fresh topics,
 * so the sources start again from their beginning (auto.offset.reset). The program is beside it
 * ({@code SavepointFixture.java.txt}, and how to run it in the README there).
 */
class PreRefactorSavepointTest {
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    /** The vector the savepoint's memory sp-m0 was written with (seed 100, as the fixture program made it). */
    private static float[] vector(long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[Embeddings.DIM];
        double n = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
            n += v[i] * v[i];
        }
        for (int i = 0; i < v.length; i++) v[i] /= (float) Math.sqrt(n);
        return v;
    }

    private static Path copyOf(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) Files.createDirectories(t);
                else Files.copy(f, t);
            }
        }
        return to;
    }

    @Test
    void aSavepointOfThePreRefactorJobRestoresEveryStateIntoTodaysJob() throws Exception {
        Path resource = Path.of("src/test/resources/savepoints/pre-house");
        Path savepoint;
        try (Stream<Path> dirs = Files.list(resource)) {
            savepoint = copyOf(dirs.filter(Files::isDirectory).findFirst().orElseThrow(), dir.resolve("savepoint"));
        }
        assertTrue(Files.isRegularFile(savepoint.resolve("_metadata")), "no savepoint in " + resource);

        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints").toUri().toString());
        conf.set(RestOptions.BIND_PORT, "0");
        try (TestKafka kafka = TestKafka.start(dir.resolve("kafka"));
             MiniCluster cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                     .setNumTaskManagers(1).setNumSlotsPerTaskManager(2).build())) {
            cluster.start();
            TopicAdmin.ensure(kafka.bootstrap(), 1, Duration.ofSeconds(30));
            JobOptions options = new JobOptions();
            options.stateBackend = "hashmap";
            options.groupId = "savepoint-fixture";
            options.parallelism = 1;
            options.checkpointIntervalMs = 1_000;
            options.healthIntervalMs = 1_000;
            // Learning per namespace on: its keyed state is new (not in the savepoint) and must not stop the restore.
            options.learning = "on";
            // The savepoint's recent queries were seen when it was made; with the default ten minutes they would
            // expire at the first timer after the restore.
            options.recentQueryTtlMs = 100L * 365 * 86_400_000L;
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
            RouterJob.onKafka(env, kafka.bootstrap(), options);
            StreamGraph graph = env.getStreamGraph();
            graph.setJobName("pre-refactor-savepoint");
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint.toString(), false));
            JobID id = cluster.submitJob(graph.getJobGraph()).get().getJobID();
            try (TopicIO io = new TopicIO(kafka.bootstrap())) {
                MemoryProbe probe = new MemoryProbe(io);
                // No memory was published to this broker: a memory in the context came from the savepoint's keyed state.
                RoutingDecision d = probe.awaitDecision("sp", vector(100),
                        x -> MemoryProbe.contextIds(x).contains("sp-m0"), WAIT);
                assertNotNull(d);
                assertTrue(MemoryProbe.contextIds(d).contains("sp-m0"), "restored memories retrieved: " + d);
                // Its three memories and the three episodes its applied feedback made (sp-done, sp-warm-1, sp-warm-2).
                assertEquals(6, d.getCandidatesConsidered(), "the savepoint's memories of namespace sp");

                // The savepoint kept sp-keep's vector (a RecentQuery): its feedback makes the episode fb-sp-keep.
                io.send(Topics.ROUTING_FEEDBACK, "sp", AvroWire.FEEDBACK.encode(RoutingFeedback.newBuilder()
                        .setQueryId("sp-keep").setNamespace("sp").setModel("m").setRoute("strong").setSuccess(true)
                        .setEventTimeMs(System.currentTimeMillis()).build()));
                boolean episode = false;
                for (AgentMemory m : probe.memoriesOnTopic(ms -> ms.stream().anyMatch(x -> x.getMemoryId().equals("fb-sp-keep")), WAIT)) {
                    episode |= m.getMemoryId().equals("fb-sp-keep") && m.getText().equals("kept query sp-keep");
                }
                assertTrue(episode, "the restored recent query became an episode");
                // The learner started empty (stage 0, the prior) and counts the outcome that arrived after the restore.
                assertTrue(d.getFallbackReason().contains("learner: stage 0 (0 outcomes)"), d.getFallbackReason());
                RoutingDecision learned = probe.awaitDecision("sp", vector(100),
                        x -> x.getFallbackReason() != null && x.getFallbackReason().contains("(1 outcomes)"), WAIT);
                assertNotNull(learned, "the namespace's learner applied the feedback");
            } finally {
                cluster.cancelJob(id).get();
            }
        }
    }
}
