package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.agentrouter.cluster.ClusterJobSubmitter;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.MemoryStore;
import org.agentrouter.runtime.LocalRouterJob;
import org.agentrouter.runtime.Topics;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./router run} (LocalRouterJob.start) and {@code ./router submit} (ClusterJobSubmitter.submit, to a
 * real JobManager REST endpoint) refuse to start, naming the problem, against a real broker that lacks
 * topics, an address where no broker listens, a wrong store path, a file that is not a store, a model
 * missing from the classpath and a model the scorer would refuse. Nothing is ever submitted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MisconfigurationTest {
    private static final List<String> ABSENT = List.of(Topics.MODEL_EVENTS, Topics.ROUTER_HEALTH);

    @TempDir
    static Path dir;

    private TestKafka kafka;
    private MiniCluster jobManager;
    private String restAddress;
    private Path store;
    private Path jar;

    @BeforeAll
    void start() throws Exception {
        kafka = TestKafka.start(dir.resolve("kafka"));
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> some = new ArrayList<>();
            for (String t : Topics.ALL) {
                if (!ABSENT.contains(t)) some.add(new NewTopic(t, 1, (short) 1));
            }
            admin.createTopics(some).all().get();
        }
        store = dir.resolve("memory.db");
        writeStore(store);
        jar = Files.writeString(dir.resolve("job.jar"), "never submitted");

        Configuration conf = new Configuration();
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        jobManager = new MiniCluster(new MiniClusterConfiguration.Builder().setConfiguration(conf)
                .setNumTaskManagers(1).setNumSlotsPerTaskManager(1).build());
        jobManager.start();
        restAddress = "127.0.0.1:" + jobManager.getRestAddress().get().getPort();
    }

    @AfterAll
    void stop() throws Exception {
        if (jobManager != null) jobManager.close();
        if (kafka != null) kafka.close();
    }

    @Test
    void missingTopicsAreNamedThenAcceptedOnceCreated() throws Exception {
        JobOptions options = options();
        refusedByRunAndSubmit(kafka.bootstrap(), options, "missing Kafka topics " + ABSENT + " at " + kafka.bootstrap());
        Topics.ensure(kafka.bootstrap(), 1, Duration.ofSeconds(30));
        assertDoesNotThrow(() -> LocalRouterJob.preflight(kafka.bootstrap(), options));
    }

    @Test
    void anUnreachableBrokerIsNamed() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String nowhere = "127.0.0.1:" + closedPort;
        refusedByRunAndSubmit(nowhere, options(), "no Kafka broker answered at " + nowhere);
    }

    @Test
    void aWrongStorePathIsNamed() throws Exception {
        JobOptions options = options();
        options.store = dir.resolve("no-such-dir/memory.db");
        refusedByRunAndSubmit(kafka.bootstrap(), options, "memory store " + options.store.toAbsolutePath() + " does not exist");
    }

    @Test
    void aFileThatIsNotAStoreIsNamed() throws Exception {
        JobOptions options = options();
        options.store = Files.writeString(dir.resolve("notes.txt"), "these are not memories");
        refusedByRunAndSubmit(kafka.bootstrap(), options, "memory store " + options.store.toAbsolutePath() + " cannot be read as a memory store");
    }

    @Test
    void anUnknownStateBackendIsNamed() throws Exception {
        JobOptions options = options();
        options.stateBackend = "forst";
        refusedByRunAndSubmit(kafka.bootstrap(), options, "--state-backend must be hashmap or rocksdb, got forst");
    }

    @Test
    void aMissingModelIsNamed() throws Exception {
        JobOptions options = options();
        options.bundledModel = "models/no-such-release";
        refusedByRunAndSubmit(kafka.bootstrap(), options, "model release models/no-such-release is missing from the job's classpath");
    }

    @Test
    void aModelTheScorerWouldRefuseIsNamedWithTheRule() throws Exception {
        JobOptions options = options();
        options.bundledModel = "models/tampered";
        refusedByRunAndSubmit(kafka.bootstrap(), options, "model release models/tampered would be refused by the scorer: sha256");
    }

    @Test
    void aMissingOrPrivateTrustedKeyFileIsNamed() throws Exception {
        JobOptions options = options();
        options.trustedModelKeys = dir.resolve("no-such-keys");
        refusedByRunAndSubmit(kafka.bootstrap(), options, "model keys: " + options.trustedModelKeys + " does not exist");
        java.security.KeyPair pair = org.agentrouter.signing.ModelKeys.generate();
        options.trustedModelKeys = Files.writeString(dir.resolve("oops.pem"), org.agentrouter.signing.ModelKeys.privateKeyPem(pair));
        refusedByRunAndSubmit(kafka.bootstrap(), options, "holds a PRIVATE KEY: trusted keys are public keys only");
    }

    private void refusedByRunAndSubmit(String bootstrap, JobOptions options, String expected) throws Exception {
        refused("run", expected, () -> LocalRouterJob.start(bootstrap, options, 0, 0, dir.resolve("run")));
        refused("submit", expected, () -> ClusterJobSubmitter.submit(restAddress, bootstrap, options, jar));
        List<?> jobs = new ArrayList<>(jobManager.listJobs().get());
        assertTrue(jobs.isEmpty(), "nothing was submitted: " + jobs);
    }

    private static void refused(String command, String expected, Executable start) {
        IllegalStateException e = assertThrows(IllegalStateException.class, start, command + " must refuse");
        assertTrue(e.getMessage().contains(expected), command + ": expected a message containing\n  " + expected + "\nbut got\n  " + e.getMessage());
    }

    private JobOptions options() {
        JobOptions o = new JobOptions();
        o.store = store;
        return o;
    }

    private static void writeStore(Path db) {
        MemoryRecord m = new MemoryRecord();
        m.id = "mem-0";
        m.namespace = "ns";
        m.kind = MemoryRecord.EPISODE;
        m.text = "memory";
        m.createdAtMs = System.currentTimeMillis();
        m.confidence = 0.9f;
        m.sourceId = "test";
        m.embedding = new float[FeatureLayout.EMBEDDING_DIM];
        m.embedding[0] = 1f;
        try (MemoryStore s = MemoryStore.openWritable(db)) {
            s.upsert(List.of(m));
        }
    }
}
