package org.agentrouter.cli;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import org.agentrouter.runtime.Topics;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelRejectedException;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.wire.AvroWire;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "publish-model", mixinStandardHelpOptions = true,
        description = {"Check a release directory (model.onnx + release.json) exactly as the job will (sha256, feature",
            "layout, tensor contract, a dry run in ONNX Runtime, calibration) and publish it to router-models.",
            "The job answers on model-events: see ./router models."})
final class PublishModelCommand implements Callable<Integer> {
    @Option(names = "--release", required = true, description = "release directory")
    Path release;

    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Option(names = "--version", description = "publish under this version instead of the one in release.json")
    String version;

    @Override
    public Integer call() throws Exception {
        ModelRelease r = ModelReleases.read(release);
        if (version != null) r = ModelRelease.newBuilder(r).setVersion(version).build();
        r = ModelRelease.newBuilder(r).setPublishedAtMs(System.currentTimeMillis()).build();
        try (ServedModel checked = ServedModel.accept(OrtEnvironment.getEnvironment(), r)) {
            System.err.printf("%s %s passes every check (sha256 %s)%n", r.getName(), checked.version, r.getSha256());
        } catch (ModelRejectedException e) {
            System.err.println("not published: " + e.getMessage());
            return 2;
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000");
        // A release is a few kilobytes to a megabyte; the default 1 MB request limit is the broker's too.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            var meta = producer.send(new ProducerRecord<>(Topics.ROUTER_MODELS, r.getName(), AvroWire.MODEL_RELEASE.encode(r))).get();
            System.out.printf("published %s %s to %s offset %d%n", r.getName(), r.getVersion(), Topics.ROUTER_MODELS, meta.offset());
        }
        return 0;
    }
}
