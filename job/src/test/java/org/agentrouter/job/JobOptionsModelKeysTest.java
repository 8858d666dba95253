package org.agentrouter.job;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.agentrouter.flink.RouterConfig;
import org.agentrouter.flink.RolloutJudge;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.signing.ModelKeys;
import org.agentrouter.signing.ModelSigner;
import org.agentrouter.signing.TrustedModelKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The job options that turn signing on, as the command line parses them into what the scorers and the judge get. */
class JobOptionsModelKeysTest {
    @TempDir
    Path dir;

    private static ModelControl judgeRollback() {
        return ModelControl.newBuilder().setAction("rollback").setModelVersion("1.2.0")
                .setRequestedBy(RolloutJudge.REQUESTED_BY).setRequestedAtMs(1).build();
    }

    private JobOptions parse(String... args) {
        JobOptions options = new JobOptions();
        new CommandLine(options).parseArgs(args);
        return options;
    }

    @Test
    void withoutKeysNothingIsCheckedAndTheJudgeSignsNothing() {
        RouterConfig c = parse().routerConfig();
        assertFalse(c.modelKeys.enforced());
        assertNull(c.judgeSigner);
    }

    @Test
    void trustedKeysWithoutAJobKeyGiveTheJudgeAKeyOfItsOwnThatTheScorersTrustForItsRollbacks() throws Exception {
        KeyPair operator = ModelKeys.generate();
        Path pub = Files.writeString(dir.resolve("operator.pub"), ModelKeys.publicKeyPem(operator.getPublic()));
        RouterConfig c = parse("--trusted-model-keys", pub.toString()).routerConfig();
        assertTrue(c.modelKeys.enforced());
        assertNotNull(c.judgeSigner, "automatic rollback keeps working");
        assertDoesNotThrow(() -> c.modelKeys.verify(c.judgeSigner.sign(judgeRollback())));
        assertTrue(c.modelKeys.describe().contains(c.judgeSigner.keyId() + " (job: judge rollbacks)"), c.modelKeys.describe());

        RouterConfig off = parse("--trusted-model-keys", pub.toString(), "--no-auto-rollback").routerConfig();
        assertNull(off.judgeSigner, "no judge acts, so no key is made");
    }

    @Test
    void aGivenJobKeySignsTheJudgesRollbacks() throws Exception {
        KeyPair operator = ModelKeys.generate();
        KeyPair job = ModelKeys.generate();
        Path pub = Files.writeString(dir.resolve("operator.pub"), ModelKeys.publicKeyPem(operator.getPublic()));
        Path jobKey = Files.writeString(dir.resolve("job.key"), ModelKeys.privateKeyPem(job));
        RouterConfig c = parse("--trusted-model-keys", pub.toString(), "--job-signing-key", jobKey.toString()).routerConfig();
        assertEquals(ModelKeys.keyId(job.getPublic()), c.judgeSigner.keyId());
        assertDoesNotThrow(() -> c.modelKeys.verify(new ModelSigner(job).sign(judgeRollback())));
        assertEquals("signature", assertThrows(org.agentrouter.scoring.ModelRejectedException.class,
                () -> c.modelKeys.verify(new ModelSigner(job).sign(ModelControl.newBuilder(judgeRollback()).setAction("rollout").build()))).rule());
    }

    @Test
    void aConfigWhoseJudgeCouldNotSignIsRefused() {
        RouterConfig c = new RouterConfig();
        c.modelKeys = TrustedModelKeys.of(java.util.List.of(ModelKeys.generate().getPublic()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, c::validate);
        assertTrue(e.getMessage().contains("automatic rollbacks would be refused"), e.getMessage());
        c.rollout.autoRollback = false;
        assertDoesNotThrow(c::validate);
    }
}
