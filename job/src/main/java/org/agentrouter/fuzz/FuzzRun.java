package org.agentrouter.fuzz;

import java.time.Duration;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** One fuzz run against a router's topics: mark the outputs, send the traffic, check what came out. */
public final class FuzzRun {
    private FuzzRun() {}

    public static FuzzReport run(String bootstrap, Properties security, FuzzSettings s, Duration timeout, Consumer<String> log)
            throws Exception {
        Properties p = new Properties();
        p.putAll(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        // Oversized records are part of the traffic: the broker's limit (1 MiB by default) still applies.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(4 << 20));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
             FuzzCheck check = new FuzzCheck(bootstrap, security)) {
            check.mark();
            FuzzTraffic traffic = new FuzzTraffic(s);
            long start = System.currentTimeMillis();
            traffic.send(producer, (done, total) -> {
                if (done % 10_000 == 0) log.accept("sent " + done + " of " + total);
            });
            log.accept("sent " + traffic.sent.size() + " records in " + (System.currentTimeMillis() - start)
                    + " ms; reading the router's answers");
            return check.check(traffic, producer, timeout, Duration.ofSeconds(5), s.memoryProbes);
        }
    }
}
