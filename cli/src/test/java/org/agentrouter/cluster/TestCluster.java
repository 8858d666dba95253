package org.agentrouter.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.function.Supplier;
import org.agentrouter.wire.Topics;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.util.FileUtils;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The cluster tests' set-up: a fresh run directory, a JobManager, two TaskManagers and a broker on free ports,
 * the REST client, a producer for queries and a seed store of memories for the job.
 */
final class TestCluster implements AutoCloseable {
    static final Path JOB_JAR = Path.of("../job/target/job-0.1.0-SNAPSHOT-cluster.jar").toAbsolutePath();

    final LocalCluster local;
    final FlinkRest rest;
    final String bootstrap;
    final KafkaProducer<String, byte[]> producer;
    final TestStore store = new TestStore();
    final Path storeFile;

    private TestCluster(LocalCluster local, Path runDir, int memoriesPerNamespace) throws Exception {
        this.local = local;
        this.rest = new FlinkRest(local.layout().restAddress());
        this.bootstrap = local.layout().bootstrap();
        this.storeFile = runDir.resolve("memory.db");
        store.write(storeFile, memoriesPerNamespace);
        this.producer = producer(bootstrap);
    }

    /** Starts the processes in {@code runDir} (emptied first) and writes the seed store. */
    static TestCluster start(Path runDir, int memoriesPerNamespace) throws Exception {
        LocalCluster local;
        try {
            local = startProcesses(runDir);
        } catch (IllegalStateException e) {
            // Failsafe reruns a failed test but not a failed @BeforeAll: five JVMs starting at once on two cores
            // get one more try here, with the reason printed so a flaky start stays visible in the CI log.
            System.out.println("cluster start failed, starting once more: " + e.getMessage());
            local = startProcesses(runDir);
        }
        try {
            return new TestCluster(local, runDir, memoriesPerNamespace);
        } catch (Exception | AssertionError e) {
            local.down(Duration.ofSeconds(15));
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            producer.close();
        } finally {
            local.down(Duration.ofSeconds(15));
        }
    }

    private static LocalCluster startProcesses(Path runDir) throws Exception {
        assertTrue(Files.isRegularFile(JOB_JAR), JOB_JAR + " is built by mvn package");
        FileUtils.deleteDirectory(runDir.toFile());
        ClusterOptions options = new ClusterOptions();
        options.taskManagers = 2;
        options.restPort = freePort();
        options.rpcPort = freePort();
        options.kafkaPort = 0;
        options.taskManagerMemory = "1536m";
        options.jobManagerMemory = "768m";
        options.projectConfDir = Path.of("../flink-conf").toAbsolutePath();
        LocalCluster cluster = new LocalCluster(new ClusterLayout(runDir));
        long start = System.nanoTime();
        cluster.up(options);
        System.out.printf("cluster up in %.1f s%n", (System.nanoTime() - start) / 1e9);
        return cluster;
    }

    /** Every send acknowledged by all replicas: a query the test counts is on the topic. */
    static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(ClusterOptions.HOST))) {
            return s.getLocalPort();
        }
    }

    /**
     * Steady traffic: {@code perSecond} queries from {@code store} for {@code seconds}, ids {@code prefix + i}, each
     * send acknowledged before its id is added to {@code sent}. Stops early when the thread is interrupted.
     */
    static void produceSteadily(KafkaProducer<String, byte[]> producer, TestStore store, String prefix,
                                int perSecond, int seconds, List<String> sent) {
        produceSteadily(producer, store, prefix, perSecond, seconds, sent, null);
    }

    /** {@link #produceSteadily}; {@code traces} (may be null) puts a traceparent on some queries and times their send span. */
    static void produceSteadily(KafkaProducer<String, byte[]> producer, TestStore store, String prefix,
                                int perSecond, int seconds, List<String> sent, QueryTraces traces) {
        long start = System.nanoTime();
        for (int i = 0; i < perSecond * seconds; i++) {
            long wait = start + i * 1_000_000_000L / perSecond - System.nanoTime();
            if (wait > 0) {
                try {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            var q = store.query(prefix + i);
            var record = new ProducerRecord<>(Topics.AGENT_QUERIES, q.getNamespace(), AvroWire.QUERY.encode(q));
            Runnable acknowledged = traces == null ? () -> { } : traces.beforeSend(record, q.getQueryId(), i);
            try {
                producer.send(record).get();
            } catch (Exception e) {
                throw new IllegalStateException("could not send query " + i, e);
            }
            acknowledged.run();
            sent.add(q.getQueryId());
        }
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Polls {@code check} until it holds; on timeout fails with {@code diagnosis}, so CI output alone explains it. */
    static void await(String what, Duration wait, Check check, Supplier<String> diagnosis) throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + wait.toSeconds() + " s waiting for " + what + "\n" + diagnosis.get());
            }
            Thread.sleep(100);
        }
    }
}
