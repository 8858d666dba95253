package org.agentrouter.job;

import java.nio.file.Path;
import org.agentrouter.runtime.KafkaConnection;
import picocli.CommandLine.Option;

/** {@code --kafka-properties FILE}: the standard Kafka client settings (security) of the job and of every command that talks to Kafka. */
public final class KafkaPropertiesOption {
    @Option(names = "--kafka-properties", paramLabel = "FILE",
            description = "Kafka client settings for every producer, consumer and admin client (security.protocol, sasl.mechanism, "
                    + "sasl.jaas.config, ssl.*; README \"Authenticated Kafka\") (default: none, PLAINTEXT)")
    public Path file;

    /** The brokers at {@code bootstrap}, with the file's settings (none: PLAINTEXT). */
    public KafkaConnection connect(String bootstrap) {
        return KafkaConnection.of(bootstrap, file);
    }
}
