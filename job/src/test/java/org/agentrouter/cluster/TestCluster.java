package org.agentrouter.cluster;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.flink.util.FileUtils;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The cluster tests' set-up: a fresh run directory, a JobManager, two TaskManagers and a broker on free ports. */
final class TestCluster {
    static final Path JOB_JAR = Path.of("target/job-0.1.0-SNAPSHOT-cluster.jar").toAbsolutePath();

    private TestCluster() {}

    static LocalCluster start(Path runDir) throws Exception {
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
}
