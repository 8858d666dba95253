package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.runtime.MemoryPublisher;
import org.agentrouter.runtime.RandomMemoryStore;
import org.agentrouter.runtime.Topics;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.DeadLetter;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job's memory on a real broker and a real Flink MiniCluster (no mocks): memories published to
 * agent-memories become retrievable, a deleted one disappears, a bad one goes to the dead-letter topic;
 * feedback adds an episode and counts a use once even when replayed; a TaskManager lost mid-stream and a
 * rescale from parallelism 1 to 2 through a savepoint lose no memory and apply no feedback twice.
 * Retrieval is observed through decisions: the context ids and the number of candidates considered (k is
 * larger than any namespace here, so it is the namespace's exact size in the index).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MemoryStateEndToEndTest {
    private static final Duration WAIT = Duration.ofSeconds(90);

    @TempDir
    static Path dir;

    private TestKafka kafka;
    private TopicIO io;
    private MemoryProbe probe;
    private MiniCluster cluster;
    private final Random rnd = new Random(21);

    private final List<JobID> jobs = new ArrayList<>();
    private int brokers;

    /**
     * A broker per test: a job on a new consumer group reads every topic from the start, so jobs of two
     * tests on one broker would each process the other's queries and feedback.
     */
    @BeforeEach
    void startKafka() throws Exception {
        kafka = TestKafka.start(dir.resolve("kafka-" + brokers++));
        Topics.ensure(kafka.bootstrap(), 2, Duration.ofSeconds(30));
        io = new TopicIO(kafka.bootstrap());
        probe = new MemoryProbe(io);
    }

    @AfterEach
    void stopKafka() throws Exception {
        for (JobID id : jobs) {
            if (!cluster.getJobStatus(id).get().isGloballyTerminalState()) cancel(id);
        }
        jobs.clear();
        io.close();
        kafka.close();
    }

    @BeforeAll
    void start() throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 100);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, 4);
        // Any free port: a developer's ./router demo (or another test JVM) may hold Flink's default 8081.
        conf.set(org.apache.flink.configuration.RestOptions.BIND_PORT, "0");
        cluster = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(4).build());
        cluster.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (cluster != null) cluster.close();
    }

    private JobID submit(String group, int parallelism, String savepoint) throws Exception {
        return submit(group, parallelism, savepoint, "hashmap");
    }

    private JobID submit(String group, int parallelism, String savepoint, String stateBackend) throws Exception {
        JobOptions options = new JobOptions();
        options.stateBackend = stateBackend;
        options.groupId = group;
        options.parallelism = parallelism;
        options.checkpointIntervalMs = 500;
        options.healthIntervalMs = 0;
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, dir.resolve("checkpoints-" + group).toUri().toString());
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        FlinkEnvironments.configure(env, options);
        new KafkaEndpoints(kafka.bootstrap(), options.groupId, options.deliveryGuarantee()).job(options.routerConfig()).build(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(RouterJob.JOB_NAME + "-" + group);
        if (savepoint != null) graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        JobID id = cluster.submitJob(graph.getJobGraph()).get().getJobID();
        jobs.add(id);
        log("submitted " + group + " at parallelism " + parallelism + " on " + stateBackend + (savepoint == null ? "" : " from " + savepoint));
        return id;
    }

    private static void log(String what) {
        System.out.println("MEMORY-E2E " + java.time.Instant.now() + " " + what);
    }

    private void cancel(JobID id) throws Exception {
        cluster.cancelJob(id).get();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!cluster.getJobStatus(id).get().isGloballyTerminalState() && System.nanoTime() < deadline) Thread.sleep(100);
    }

    private List<MemoryRecord> memories(String ns, int n) {
        return RandomMemoryStore.records(rnd, List.of(ns), n, "memory-e2e");
    }

    private RoutingDecision retrievable(String ns, MemoryRecord m, int namespaceSize) throws Exception {
        return probe.awaitDecision(ns, m.embedding, d -> MemoryProbe.contextIds(d).contains(m.id)
                && d.getCandidatesConsidered() == namespaceSize, WAIT);
    }

    private void feedback(String ns, String queryId, boolean success, String... used) throws Exception {
        RoutingFeedback f = RoutingFeedback.newBuilder().setQueryId(queryId).setNamespace(ns).setModel("small")
                .setRoute("cheap").setSuccess(success).setContextIdsUsed(List.of(used))
                .setEventTimeMs(System.currentTimeMillis()).setModelVersion("memory-e2e").build();
        io.send(Topics.ROUTING_FEEDBACK, ns, AvroWire.FEEDBACK.encode(f));
    }

    private static long count(List<AgentMemory> on, String id) {
        return on.stream().filter(m -> m.getMemoryId().equals(id)).count();
    }

    private static long learned(List<AgentMemory> on, String id) {
        return on.stream().filter(m -> m.getMemoryId().equals(id) && m.getUseCount() > 0
                && m.getSourceId() != null && m.getSourceId().equals("memory-e2e") && m.getLastUsedAtMs() > 0).count();
    }

    /** A feedback whose episode appears on agent-memories: everything the job read before it is applied. */
    private List<AgentMemory> barrier(String ns, float[] vector) throws Exception {
        String id = "barrier-" + rnd.nextInt(1_000_000);
        assertNotNull(probe.decide(ns, id, vector, WAIT));
        feedback(ns, id, true);
        List<AgentMemory> on = probe.memoriesOnTopic(x -> count(x, "fb-" + id) >= 1, WAIT);
        assertEquals(1, count(on, "fb-" + id), "barrier " + id + " applied once");
        log("barrier " + id + " passed");
        return on;
    }

    @Test
    void publishedMemoriesAreRetrievableDeletedOnesDisappearAndBadOnesAreDeadLettered() throws Exception {
        String ns = "mem-basic";
        List<MemoryRecord> mems = memories(ns, 20);
        JobID job = submit("memory-basic", 1, null);
        try (MemoryPublisher pub = new MemoryPublisher(kafka.bootstrap())) {
            for (MemoryRecord m : mems) pub.publish(m);
            pub.publishRaw("bad-dim", AvroWire.MEMORY.encode(badMemory("bad-dim", ns, new float[12])));
            float[] nan = RandomMemoryStore.unitVector(rnd);
            nan[7] = Float.NaN;
            pub.publishRaw("bad-nan", AvroWire.MEMORY.encode(badMemory("bad-nan", ns, nan)));
            pub.flush();
            retrievable(ns, mems.get(5), 20);

            pub.delete(ns, mems.get(5).id);
            pub.flush();
            RoutingDecision after = probe.awaitDecision(ns, mems.get(5).embedding, d -> d.getCandidatesConsidered() == 19, WAIT);
            assertFalse(MemoryProbe.contextIds(after).contains(mems.get(5).id), "a deleted memory is not retrieved");
        }
        List<DeadLetter> dead = new ArrayList<>();
        io.readUntil(Topics.AGENT_QUERIES_DLQ, got -> {
            dead.clear();
            for (byte[] b : got) {
                try {
                    DeadLetter d = AvroWire.DEAD_LETTER.decode(b);
                    if (Topics.AGENT_MEMORIES.equals(d.getSourceTopic())) dead.add(d);
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
            return dead.size() >= 2;
        }, WAIT);
        Map<String, DeadLetter> byId = new HashMap<>();
        dead.forEach(d -> byId.put(d.getQueryId(), d));
        assertEquals(Set.of("bad-dim", "bad-nan"), byId.keySet());
        assertEquals(ErrorCategory.WRONG_VECTOR_SIZE, byId.get("bad-dim").getCategory());
        assertTrue(byId.get("bad-dim").getReason().contains("12 dimensions"), byId.get("bad-dim").getReason());
        assertEquals(ErrorCategory.NON_FINITE_VALUE, byId.get("bad-nan").getCategory());
        assertEquals("memory", byId.get("bad-nan").getStage());
        assertEquals(JobStatus.RUNNING, cluster.getJobStatus(job).get());
        cancel(job);
    }

    @Test
    void feedbackAddsAnEpisodeAndCountsAUseOnceEvenWhenReplayed() throws Exception {
        String ns = "mem-feedback";
        List<MemoryRecord> mems = memories(ns, 10);
        JobID job = submit("memory-feedback", 1, null);
        MemoryPublisher.publishAll(kafka.bootstrap(), mems);
        retrievable(ns, mems.get(0), 10);

        float[] question = RandomMemoryStore.unitVector(rnd);
        assertNotNull(probe.decide(ns, "asked-1", question, WAIT));
        MemoryRecord used = mems.get(3);
        feedback(ns, "asked-1", true, used.id);
        feedback(ns, "asked-1", true, used.id); // the agent sent it twice
        barrier(ns, question);

        List<AgentMemory> on = probe.memoriesOnTopic(on2 -> count(on2, "fb-asked-1") >= 1, WAIT);
        assertEquals(1, count(on, "fb-asked-1"), "one episode");
        assertEquals(1, learned(on, used.id), "one learned update of the used memory");
        AgentMemory update = on.stream().filter(m -> m.getMemoryId().equals(used.id) && m.getLastUsedAtMs() > 0).findFirst().get();
        assertEquals(used.useCount + 1, update.getUseCount());
        AgentMemory episode = on.stream().filter(m -> m.getMemoryId().equals("fb-asked-1")).findFirst().get();
        assertEquals(1f, episode.getCheapOutcome());
        assertEquals("probe asked-1", episode.getText());

        // The episode is retrievable: the question's own vector finds it first; the namespace grew by the
        // episode and by the barrier's episode.
        RoutingDecision d = probe.awaitDecision(ns, question, x -> MemoryProbe.contextIds(x).contains("fb-asked-1"), WAIT);
        assertEquals(12, d.getCandidatesConsidered());
        cancel(job);
    }

    @Test
    void aLostTaskManagerLosesNoMemoryAndAppliesNoFeedbackTwice() throws Exception {
        List<String> namespaces = List.of("fo-a", "fo-b", "fo-c");
        Map<String, List<MemoryRecord>> mems = new HashMap<>();
        for (String ns : namespaces) mems.put(ns, memories(ns, 15));
        JobID job = submit("memory-failover", 2, null);
        for (String ns : namespaces) MemoryPublisher.publishAll(kafka.bootstrap(), mems.get(ns));
        for (String ns : namespaces) retrievable(ns, mems.get(ns).get(0), 15);
        float[] question = RandomMemoryStore.unitVector(rnd);
        assertNotNull(probe.decide("fo-a", "fo-asked", question, WAIT));
        feedback("fo-a", "fo-asked", false, mems.get("fo-a").get(1).id);
        barrier("fo-a", question);
        cluster.triggerCheckpoint(job).get(); // the feedback is in a completed checkpoint

        // The TaskManager running every subtask goes away; memories arrive while the job is down.
        log("checkpoint done; terminating the TaskManager");
        cluster.terminateTaskManager(0).get();
        MemoryRecord during = memories("fo-b", 1).get(0);
        during.id = "fo-b-during-outage";
        MemoryPublisher.publishAll(kafka.bootstrap(), List.of(during));
        cluster.startTaskManager();
        log("TaskManager started again");

        retrievable("fo-b", during, 16);
        for (String ns : namespaces) {
            int size = 15 + (ns.equals("fo-a") ? 2 : 0) + (ns.equals("fo-b") ? 1 : 0);
            for (MemoryRecord m : List.of(mems.get(ns).get(2), mems.get(ns).get(14))) retrievable(ns, m, size);
        }
        probe.awaitDecision("fo-a", question, d -> MemoryProbe.contextIds(d).contains("fb-fo-asked"), WAIT);
        // Replayed after recovery: not applied again.
        feedback("fo-a", "fo-asked", false, mems.get("fo-a").get(1).id);
        List<AgentMemory> on = barrier("fo-a", question);
        assertEquals(1, count(on, "fb-fo-asked"), "one episode despite the failure and the replay");
        assertEquals(1, learned(on, mems.get("fo-a").get(1).id), "one use counted");
        assertEquals(JobStatus.RUNNING, cluster.getJobStatus(job).get());
        cancel(job);
    }

    @Test
    void aSavepointAtParallelismOneRestoresAtParallelismTwoWithEveryMemoryAndNoDuplicate() throws Exception {
        rescaleThroughASavepoint("hashmap");
    }

    /**
     * The same, restored onto RocksDB (a canonical savepoint is portable between backends): how a running job
     * moves to the backend with incremental checkpoints. Its checkpoints must then be incremental: files in the
     * shared directory, which the heap backend never writes.
     */
    @Test
    void aHeapSavepointRestoresOntoRocksDbWithIncrementalCheckpoints() throws Exception {
        JobID restored = rescaleThroughASavepoint("rocksdb");
        Path shared = dir.resolve("checkpoints-memory-rescale-rocksdb").resolve(restored.toHexString()).resolve("shared");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (fileCount(shared) == 0 && System.nanoTime() < deadline) Thread.sleep(200);
        assertTrue(fileCount(shared) > 0, "no incremental checkpoint files in " + shared);
        cancel(restored);
    }

    private static long fileCount(Path d) throws java.io.IOException {
        if (!java.nio.file.Files.isDirectory(d)) return 0;
        try (var files = java.nio.file.Files.walk(d)) {
            return files.filter(java.nio.file.Files::isRegularFile).count();
        }
    }

    /** Savepoint of a parallelism-1 job on the heap backend, restored at parallelism 2 on {@code backend}; returns the restored job, running. */
    private JobID rescaleThroughASavepoint(String backend) throws Exception {
        String group = backend.equals("hashmap") ? "memory-rescale" : "memory-rescale-" + backend;
        // Namespaces chosen to land on both subtasks at parallelism 2.
        List<String> namespaces = new ArrayList<>();
        Set<Integer> subtasks = new HashSet<>();
        for (int i = 0; namespaces.size() < 4 || subtasks.size() < 2; i++) {
            String ns = "rs-" + i;
            int subtask = KeyGroupRangeAssignment.assignKeyToParallelOperator(ns, 128, 2);
            if (namespaces.size() < 4 || !subtasks.contains(subtask)) {
                namespaces.add(ns);
                subtasks.add(subtask);
            }
        }
        Map<String, List<MemoryRecord>> mems = new HashMap<>();
        for (String ns : namespaces) mems.put(ns, memories(ns, 12));
        JobID job = submit(group, 1, null);
        for (String ns : namespaces) MemoryPublisher.publishAll(kafka.bootstrap(), mems.get(ns));
        for (String ns : namespaces) retrievable(ns, mems.get(ns).get(0), 12);
        String first = namespaces.get(0);
        float[] question = RandomMemoryStore.unitVector(rnd);
        assertNotNull(probe.decide(first, "rs-asked", question, WAIT));
        feedback(first, "rs-asked", true, mems.get(first).get(1).id);
        barrier(first, question);

        String savepoint = cluster.stopWithSavepoint(job, dir.resolve("savepoints").toUri().toString(), false,
                SavepointFormatType.CANONICAL).get();
        log("savepoint " + savepoint);
        JobID rescaled = submit(group, 2, savepoint, backend);
        for (String ns : namespaces) {
            int size = 12 + (ns.equals(first) ? 2 : 0);
            for (MemoryRecord m : List.of(mems.get(ns).get(3), mems.get(ns).get(11))) retrievable(ns, m, size);
        }
        probe.awaitDecision(first, question, d -> MemoryProbe.contextIds(d).contains("fb-rs-asked"), WAIT);
        feedback(first, "rs-asked", true, mems.get(first).get(1).id); // replayed after the rescale
        List<AgentMemory> on = barrier(first, question);
        assertEquals(1, count(on, "fb-rs-asked"));
        assertEquals(1, learned(on, mems.get(first).get(1).id));
        assertEquals(JobStatus.RUNNING, cluster.getJobStatus(rescaled).get());
        if (backend.equals("hashmap")) cancel(rescaled);
        return rescaled;
    }

    private static AgentMemory badMemory(String id, String ns, float[] vector) {
        ByteBuffer blob = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        blob.asFloatBuffer().put(vector);
        return AgentMemory.newBuilder().setMemoryId(id).setNamespace(ns).setKind("episode").setText("bad")
                .setCreatedAtMs(1).setEmbedding(blob).setEventTimeMs(System.currentTimeMillis()).build();
    }

    static {
        // the embedding width the job expects; the bad-dimension memory must differ from it
        if (FeatureLayout.EMBEDDING_DIM == 12) throw new AssertionError();
    }
}
