package org.agentrouter.cli;

import java.util.Properties;
import org.agentrouter.runtime.KafkaConnection;
import org.agentrouter.runtime.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Writes one record to router-models and waits for the broker's acknowledgement. */
final class RouterModelsTopic {
    private RouterModelsTopic() {}

    /** @return the record's offset */
    static long send(KafkaConnection kafka, String key, byte[] value) throws Exception {
        Properties p = kafka.clientConfig();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        // A release is a few kilobytes to a megabyte; the default 1 MB request limit is the broker's too.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            return producer.send(new ProducerRecord<>(Topics.ROUTER_MODELS, key, value)).get().offset();
        }
    }
}
