package org.agentrouter.cli.model;

import org.agentrouter.job.KafkaPropertiesOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.agentrouter.job.KafkaConnection;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.signing.ModelSigner;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.cli.options.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "rollback",
        description = {"With a challenger running: withdraw it, the champion serves every user again. Otherwise: return",
            "the champion to the release that served before it (its last-known-good, kept in broadcast state, so it",
            "survives restarts). One step only: a second rollback is refused until a new release is accepted.",
            "With --release, publish that (older) release as an explicit rollback instead.",
            "The job answers on model-events: see ./router models --history."})
public final class RollbackCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Mixin
    KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Mixin
    HelpOption help = new HelpOption();

    @Option(names = "--reason", description = "why, recorded in the model-events entry")
    String reason;

    @Option(names = "--release", description = "release directory to serve instead of the last-known-good (checked like publish-model; may be older than the serving version)")
    Path release;

    @Option(names = "--version", description = "with --release: publish under this version")
    String version;

    @Option(names = "--allow-major", description = "with --release: let it change the MAJOR version")
    boolean allowMajor;

    @Option(names = "--signing-key", paramLabel = "FILE", description = "sign the control (or the --release) with this Ed25519 key; "
            + "needed when the job has --trusted-model-keys")
    Path signingKey;

    @Override
    public Integer call() throws Exception {
        ModelSigner signer = signingKey == null ? null : ModelSigner.read(signingKey);
        KafkaConnection kafka = kafkaProperties.connect(bootstrap);
        if (release != null) {
            return PublishModelCommand.publish(release, version, allowMajor, true, "champion", 0, kafka, signer);
        }
        ModelControl control = ModelControl.newBuilder().setAction("rollback").setReason(reason)
                .setRequestedAtMs(System.currentTimeMillis()).build();
        if (signer != null) control = signer.sign(control);
        // Its own key: on the compacted topic a control record must never replace a release.
        long offset = RouterModelsTopic.send(kafka, "control", AvroWire.MODEL_CONTROL.encode(control));
        System.out.printf("rollback requested on %s offset %d%n", Topics.ROUTER_MODELS, offset);
        return 0;
    }
}
