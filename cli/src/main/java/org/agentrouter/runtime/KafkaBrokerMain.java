package org.agentrouter.runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * The Kafka broker of a local cluster as its own process: {@link EmbeddedKafkaBroker} plus the router's
 * topics, until the process is told to stop (SIGTERM closes the broker cleanly).
 *
 * <p>Usage: {@code KafkaBrokerMain DATA_DIR PORT PARTITIONS READY_FILE}. PORT 0 picks a free port. Once the
 * topics exist, the bootstrap address is written to READY_FILE: the launcher waits for that file instead of
 * guessing when the broker is usable.
 */
public final class KafkaBrokerMain {
    private KafkaBrokerMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: KafkaBrokerMain DATA_DIR PORT PARTITIONS READY_FILE");
            System.exit(2);
        }
        Path dataDir = Path.of(args[0]);
        int port = Integer.parseInt(args[1]);
        int partitions = Integer.parseInt(args[2]);
        Path readyFile = Path.of(args[3]);

        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dataDir, port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "kafka-broker-shutdown"));
        TopicAdmin.ensure(broker.bootstrapServers(), partitions, Duration.ofSeconds(60));

        // Written then moved, so a reader never sees a half-written address.
        Path partial = readyFile.resolveSibling(readyFile.getFileName() + ".partial");
        Files.writeString(partial, broker.bootstrapServers(), StandardCharsets.UTF_8);
        Files.move(partial, readyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        System.err.println("Kafka broker ready at " + broker.bootstrapServers());
        stopped.await();
    }
}
