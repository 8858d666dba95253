package org.agentrouter.job;

import java.nio.file.Path;
import org.agentrouter.runtime.EmbeddedKafkaBroker;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/** A real Kafka for tests: a Testcontainers broker when Docker is there, else our in-process KRaft broker. */
final class TestKafka implements AutoCloseable {
    private final AutoCloseable broker;
    private final String bootstrap;

    private TestKafka(AutoCloseable broker, String bootstrap) {
        this.broker = broker;
        this.bootstrap = bootstrap;
    }

    static TestKafka start(Path dir) throws Exception {
        if (dockerAvailable()) {
            KafkaContainer kafka = new KafkaContainer("apache/kafka:4.2.0");
            kafka.start();
            return new TestKafka(kafka, kafka.getBootstrapServers());
        }
        EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir, 0);
        return new TestKafka(broker, broker.bootstrapServers());
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    String bootstrap() {
        return bootstrap;
    }

    @Override
    public void close() throws Exception {
        broker.close();
    }
}
