package org.agentrouter.cli.model;

import org.agentrouter.job.KafkaPropertiesOption;
import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.agentrouter.job.KafkaConnection;
import org.agentrouter.wire.Topics;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.signing.ModelSigner;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.cli.options.HelpOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "publish-model",
        description = {"Check a release directory (model.onnx + release.json) exactly as the job will (sha256, feature",
            "layout, the ONNX graph, tensor contract, a dry run in ONNX Runtime, calibration) and publish it to router-models.",
            "The job also refuses a version not newer than the serving one (see ./router rollback) and a MAJOR",
            "change without --allow-major. The job answers on model-events: see ./router models.",
            "A job started with --trusted-model-keys accepts only releases signed with one of them: --signing-key."})
public final class PublishModelCommand implements Callable<Integer> {
    @Option(names = "--release", required = true, description = "release directory")
    Path release;

    @Option(names = "--bootstrap", description = "default: ${DEFAULT-VALUE}")
    String bootstrap = "127.0.0.1:9092";

    @Mixin
    KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Mixin
    HelpOption help = new HelpOption();

    @Option(names = "--version", description = "publish under this version instead of the one in release.json")
    String version;

    @Option(names = "--allow-major", description = "let this release change the MAJOR version of the serving model (refused otherwise)")
    boolean allowMajor;

    @Option(names = "--role", description = "champion (serves everyone) or challenger (serves --share percent of users, "
            + "chosen by a consistent hash of the user id) (default: ${DEFAULT-VALUE})")
    String role = "champion";

    @Option(names = "--share", description = "with --role challenger: percent of users it serves, 100 promotes it (default: 5)")
    Integer share;

    @Option(names = "--shadow", description = "with --role challenger: shadow mode, the challenger scores every query but decides none "
            + "(what it would have decided goes to routing-metrics as shadow records); ./router rollout --share N ends it")
    boolean shadow;

    @Option(names = "--signing-key", paramLabel = "FILE", description = "sign the release (and the shadow control) with this Ed25519 "
            + "key (./router model-key generate); needed when the job has --trusted-model-keys")
    Path signingKey;

    @Override
    public Integer call() throws Exception {
        if (!role.equals("champion") && !role.equals("challenger")) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--role must be champion or challenger");
        }
        if (share != null && (role.equals("champion") || share < 0 || share > 100)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--share takes 0..100 and goes with --role challenger");
        }
        if (shadow && (!role.equals("challenger") || share != null)) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--shadow goes with --role challenger and without --share");
        }
        int sharePercent = shadow ? 0 : role.equals("challenger") ? (share == null ? 5 : share) : 0;
        ModelSigner signer = signingKey == null ? null : ModelSigner.read(signingKey);
        KafkaConnection kafka = kafkaProperties.connect(bootstrap);
        int published = publish(release, version, allowMajor, false, role, sharePercent, kafka, signer);
        if (published != 0 || !shadow) return published;
        // Two records: the release (serving nobody yet), then the switch to shadow mode, guarded by its version so
        // that it cannot put another challenger in shadow if this release is refused.
        String challengerVersion = version != null ? version : ModelReleases.read(release).getVersion();
        long offset = RolloutCommand.sendShadow(kafka, challengerVersion, signer);
        System.out.printf("shadow mode for challenger %s requested on %s offset %d%n", challengerVersion, Topics.ROUTER_MODELS, offset);
        return 0;
    }

    /**
     * Checks the release locally, then publishes it with the given rollout flags, signed when a signer is given (last,
     * so the signature covers every flag). A release the check refuses is not sent: its ModelRejectedException is
     * reported by RouterCli as a refused input (exit 4).
     */
    static int publish(Path dir, String version, boolean allowMajor, boolean rollback, String role, int share,
            KafkaConnection kafka, ModelSigner signer) throws Exception {
        ModelRelease r = ModelReleases.read(dir);
        if (version != null) r = ModelRelease.newBuilder(r).setVersion(version).build();
        r = ModelRelease.newBuilder(r).setPublishedAtMs(System.currentTimeMillis())
                .setAllowMajor(allowMajor).setRollback(rollback).setRole(role).setSharePercent(share).build();
        try (ServedModel checked = ServedModel.accept(OrtEnvironment.getEnvironment(), r)) {
            System.err.printf("%s %s passes every check (sha256 %s)%n", r.getName(), checked.version, r.getSha256());
        }
        if (signer != null) {
            r = signer.sign(r);
        }
        // router-models is compacted by key: a challenger has its own key so that it never erases the champion.
        String key = role.equals("challenger") ? r.getName() + "/challenger" : r.getName();
        long offset = RouterModelsTopic.send(kafka, key, AvroWire.MODEL_RELEASE.encode(r));
        System.out.printf("published %s %s as %s%s%s to %s offset %d%n", r.getName(), r.getVersion(), role,
                role.equals("challenger") ? " for " + share + "% of users" : "",
                rollback ? " (explicit rollback)" : allowMajor ? " (MAJOR change allowed)" : "", Topics.ROUTER_MODELS, offset);
        System.err.println(signer == null ? "unsigned: a job with --trusted-model-keys refuses it" : "signed with key " + signer.keyId());
        return 0;
    }
}
