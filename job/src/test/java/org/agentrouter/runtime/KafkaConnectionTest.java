package org.agentrouter.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.agentrouter.job.JobOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The --kafka-properties file: what it may hold, what wins, and that secrets never show. */
class KafkaConnectionTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"agent\" password=\"s3cret-value\";";

    @TempDir
    Path dir;

    @Test
    void aFileWithSaslSettingsReachesEveryClientConfigAndTheCallersSettingsWin() throws Exception {
        Path file = write("security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=" + JAAS
                + "\nssl.truststore.location=/etc/kafka/truststore.p12\nssl.truststore.password=trust-pass\nacks=0\n");
        KafkaConnection kafka = KafkaConnection.of("broker-1:9093", file);
        Properties config = kafka.clientConfig();
        assertEquals("broker-1:9093", config.getProperty("bootstrap.servers"));
        assertEquals("SASL_SSL", config.getProperty("security.protocol"));
        assertEquals(JAAS, config.getProperty("sasl.jaas.config"));
        assertEquals("SASL_SSL", kafka.securityProtocol());
        assertFalse(kafka.isPlaintext());
        // What the router sets for a client is put after the file's settings: the caller's value is used.
        config.setProperty("acks", "all");
        assertEquals("all", config.getProperty("acks"));
        assertFalse(kafka.settings().containsKey("bootstrap.servers"), "Flink's builders take the servers apart");
    }

    @Test
    void secretsNeverShowInItsTextButTheOtherSettingsDo() throws Exception {
        Path file = write("security.protocol=SSL\nssl.keystore.location=/k.p12\nssl.keystore.password=ks-pass\n"
                + "ssl.key.password=key-pass\nsasl.jaas.config=" + JAAS + "\n");
        String text = KafkaConnection.of("b:9093", file).toString();
        for (String secret : new String[] {"ks-pass", "key-pass", "s3cret-value"}) {
            assertFalse(text.contains(secret), text);
        }
        assertTrue(text.contains("ssl.keystore.location=/k.p12"), text);
        assertTrue(text.contains("sasl.jaas.config=[hidden]"), text);
        assertTrue(KafkaConnection.isSecret("listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config"));
        assertTrue(KafkaConnection.isSecret("ssl.keystore.key"), "PEM key: a PASSWORD-typed Kafka setting");
        assertFalse(KafkaConnection.isSecret("sasl.mechanism"));
    }

    @Test
    void refusesBootstrapServersAndUnknownKeysNamingTheFile() throws Exception {
        Path withServers = write("bootstrap.servers=elsewhere:9092\nsecurity.protocol=SASL_SSL\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KafkaConnection.of("b:9092", withServers));
        assertTrue(e.getMessage().contains("--bootstrap") && e.getMessage().contains(withServers.toString()), e.getMessage());

        Path typo = write("security.protocol=SASL_SSL\nsasl.mechansim=PLAIN\n");
        e = assertThrows(IllegalArgumentException.class, () -> KafkaConnection.of("b:9092", typo));
        assertTrue(e.getMessage().contains("'sasl.mechansim'"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class, () -> KafkaConnection.of("b:9092", dir.resolve("absent.properties")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void noFileIsPlaintextAsBefore() {
        KafkaConnection kafka = KafkaConnection.of("127.0.0.1:9092", (Path) null);
        assertTrue(kafka.isPlaintext());
        assertEquals("127.0.0.1:9092", kafka.toString());
        Properties config = kafka.clientConfig();
        assertEquals(1, config.size());
        assertEquals("127.0.0.1:9092", config.getProperty("bootstrap.servers"));
    }

    @Test
    void theJobOptionsTakeTheFileOnTheirCommandLine() throws Exception {
        Path file = write("security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.jaas.config=" + JAAS + "\n");
        JobOptions options = new JobOptions();
        new CommandLine(options).parseArgs("--kafka-properties", file.toString(), "--parallelism", "2");
        assertEquals("SASL_PLAINTEXT", options.kafka("b:9092").securityProtocol());
        assertEquals(2, options.parallelism);
        assertTrue(new JobOptions().kafka("b:9092").isPlaintext());
    }

    private Path write(String text) throws Exception {
        Path f = Files.createTempFile(dir, "client", ".properties");
        Files.writeString(f, text);
        return f;
    }
}
