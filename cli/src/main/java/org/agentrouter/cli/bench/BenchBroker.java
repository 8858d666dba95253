package org.agentrouter.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.agentrouter.job.KafkaConnection;
import org.agentrouter.job.KafkaPropertiesOption;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.agentrouter.runtime.KafkaBrokerMain;

/**
 * Where the pipeline benchmark's broker runs (an existing one, in this JVM, or in its own process), and its CPU when
 * that is its own process, so it is measured apart from the job.
 */
interface BenchBroker extends AutoCloseable {
    String bootstrap();

    default KafkaConnection kafka() {
        return KafkaConnection.plaintext(bootstrap());
    }

    /** CPU seconds of the broker's own process so far; 0 when it shares this JVM or is elsewhere. */
    double cpuSeconds();

    @Override
    void close() throws Exception;

    static BenchBroker start(String bootstrap, KafkaPropertiesOption kafkaProperties, boolean ownProcess, Path work,
                             int partitions) throws Exception {
        if (bootstrap != null) return new External(kafkaProperties.connect(bootstrap));
        if (kafkaProperties.file != null) throw new IllegalArgumentException("--kafka-properties goes with --bootstrap (the benchmark's own broker is PLAINTEXT)");
        if (ownProcess) return BrokerProcess.start(work.resolve("kafka"), partitions);
        EmbeddedKafkaBroker embedded = EmbeddedKafkaBroker.start(work.resolve("kafka"), 0);
        return new InProcess(embedded);
    }

    record External(KafkaConnection kafka) implements BenchBroker {
        public String bootstrap() {
            return kafka.bootstrap();
        }

        public double cpuSeconds() {
            return 0;
        }

        public void close() {}
    }

    record InProcess(EmbeddedKafkaBroker broker) implements BenchBroker {
        public String bootstrap() {
            return broker.bootstrapServers();
        }

        public double cpuSeconds() {
            return 0;
        }

        public void close() {
            broker.close();
        }
    }

    /** {@link KafkaBrokerMain} in a child JVM on this JVM's class path; stopped with SIGTERM (then SIGKILL). */
    final class BrokerProcess implements BenchBroker {
        private final Process process;
        private final String bootstrap;

        private final Thread stopOnExit;

        private BrokerProcess(Process process, String bootstrap) {
            this.process = process;
            this.bootstrap = bootstrap;
            this.stopOnExit = new Thread(process::destroy, "stop-broker-process");
        }

        static BrokerProcess start(Path dataDir, int partitions) throws Exception {
            Files.createDirectories(dataDir);
            Path readyFile = dataDir.resolveSibling("broker.ready");
            Files.deleteIfExists(readyFile);
            Path log = dataDir.resolveSibling("broker.log");
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx1g", "-cp", System.getProperty("java.class.path"), KafkaBrokerMain.class.getName(),
                    dataDir.toString(), "0", Integer.toString(partitions), readyFile.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            // Generous: on a loaded machine (load average 30 on 2 cores) a broker took more than 90 s to start.
            long deadline = System.currentTimeMillis() + 300_000;
            while (!Files.exists(readyFile)) {
                if (!process.isAlive()) throw new IllegalStateException("the broker process exited with " + process.exitValue() + "; see " + log);
                if (System.currentTimeMillis() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("the broker process was not ready within 300 s; see " + log);
                }
                Thread.sleep(100);
            }
            System.err.println("broker process " + process.pid() + " ready (log: " + log + ")");
            BrokerProcess broker = new BrokerProcess(process, Files.readString(readyFile).trim());
            // Ctrl-C or a kill of the benchmark must not leave the broker running on its own.
            Runtime.getRuntime().addShutdownHook(broker.stopOnExit);
            return broker;
        }

        public String bootstrap() {
            return bootstrap;
        }

        public double cpuSeconds() {
            return process.info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(0.0);
        }

        public void close() throws InterruptedException {
            try {
                Runtime.getRuntime().removeShutdownHook(stopOnExit);
            } catch (IllegalStateException e) {
                // already shutting down: the hook stops the process
            }
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
