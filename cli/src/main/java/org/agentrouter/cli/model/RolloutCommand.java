package org.agentrouter.cli.model;

import java.nio.file.Path;
import org.agentrouter.job.KafkaPropertiesOption;
import java.util.concurrent.Callable;
import org.agentrouter.job.KafkaConnection;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.signing.ModelSigner;
import org.agentrouter.wire.AvroWire;
import picocli.CommandLine;
import org.agentrouter.cli.options.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "rollout", subcommands = RolloutReportCommand.class,
        description = {"Set the share of users the challenger serves (published with publish-model --role challenger);",
            "users are split by a consistent hash of their id, so raising the share (5 -> 25 -> 50) only adds users.",
            "100 promotes the challenger to champion (the old champion becomes its last-known-good).",
            "--shadow instead: the challenger scores every query but decides none (shadow records on routing-metrics);",
            "a later --share N ends shadow mode. ./router rollback withdraws the challenger; the rollout judge does too",
            "when it breaks the rollout rules. The job answers on model-events: see ./router models.",
            "./router rollout report: how the challenger compares with the champion on outcomes."})
public final class RolloutCommand implements Callable<Integer> {
    @Option(names = "--share", description = "percent of users, 0..100")
    Integer share;

    @Option(names = "--shadow", description = "shadow mode: the challenger scores every query, the champion decides for every user")
    boolean shadow;

    @Option(names = "--version", description = "apply only if the challenger has this version (ignored otherwise)")
    String onlyVersion;

    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Option(names = "--signing-key", paramLabel = "FILE", description = "sign the control with this Ed25519 key; needed when the job "
            + "has --trusted-model-keys")
    Path signingKey;

    @Mixin
    KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Mixin
    HelpOption help = new HelpOption();

    @Override
    public Integer call() throws Exception {
        if (shadow == (share != null)) {
            throw new CommandLine.ParameterException(new CommandLine(this), "give either --share or --shadow");
        }
        ModelSigner signer = signingKey == null ? null : ModelSigner.read(signingKey);
        KafkaConnection kafka = kafkaProperties.connect(bootstrap);
        if (shadow) {
            long offset = sendShadow(kafka, onlyVersion, signer);
            System.out.printf("shadow mode requested on %s offset %d%n", Topics.ROUTER_MODELS, offset);
            return 0;
        }
        if (share < 0 || share > 100) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--share takes 0..100, got " + share);
        }
        ModelControl control = ModelControl.newBuilder().setAction("rollout").setSharePercent(share)
                .setModelVersion(onlyVersion == null ? "" : onlyVersion)
                .setRequestedAtMs(System.currentTimeMillis()).build();
        if (signer != null) control = signer.sign(control);
        long offset = RouterModelsTopic.send(kafka, "control", AvroWire.MODEL_CONTROL.encode(control));
        System.out.printf("rollout to %d%% requested on %s offset %d%n", share, Topics.ROUTER_MODELS, offset);
        return 0;
    }

    /** Puts the challenger (of {@code version}, when given) in shadow mode; signed when a signer is given. */
    static long sendShadow(KafkaConnection kafka, String version, ModelSigner signer) throws Exception {
        ModelControl control = ModelControl.newBuilder().setAction("rollout").setShadow(true)
                .setModelVersion(version == null ? "" : version)
                .setRequestedAtMs(System.currentTimeMillis()).build();
        if (signer != null) control = signer.sign(control);
        return RouterModelsTopic.send(kafka, "control", AvroWire.MODEL_CONTROL.encode(control));
    }
}
