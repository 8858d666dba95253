package org.agentrouter.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.agentrouter.schema.ModelRelease;
import org.junit.jupiter.api.Test;

class VersionRulesTest {
    private static final SemanticVersion SERVING = SemanticVersion.parse("1.4.2");

    private static ModelRelease release(String version, boolean allowMajor, boolean rollback) throws Exception {
        return ModelRelease.newBuilder(ModelReleases.fromClasspath("models/default"))
                .setVersion(version).setAllowMajor(allowMajor).setRollback(rollback).build();
    }

    private static String refusal(String version, boolean allowMajor, boolean rollback) {
        return assertThrows(ModelRejectedException.class,
                () -> VersionRules.check(SERVING, release(version, allowMajor, rollback))).rule();
    }

    @Test
    void aNewerMinorOrPatchGoes() throws Exception {
        assertEquals(SemanticVersion.parse("1.4.3"), VersionRules.check(SERVING, release("1.4.3", false, false)));
        assertEquals(SemanticVersion.parse("1.10.0"), VersionRules.check(SERVING, release("1.10.0", false, false)));
    }

    @Test
    void aMajorChangeNeedsAllowMajorEitherWay() throws Exception {
        assertEquals(VersionRules.MAJOR_CHANGE, refusal("2.0.0", false, false));
        assertEquals(VersionRules.MAJOR_CHANGE, refusal("0.9.0", false, true));
        assertEquals(SemanticVersion.parse("2.0.0"), VersionRules.check(SERVING, release("2.0.0", true, false)));
    }

    @Test
    void anOlderOrEqualVersionNeedsAnExplicitRollback() throws Exception {
        assertEquals(VersionRules.NOT_NEWER, refusal("1.4.2", false, false));
        assertEquals(VersionRules.NOT_NEWER, refusal("1.3.9", false, false));
        // allow-major is not a licence to downgrade
        assertEquals(VersionRules.NOT_NEWER, refusal("1.3.9", true, false));
        assertEquals(SemanticVersion.parse("1.3.9"), VersionRules.check(SERVING, release("1.3.9", false, true)));
    }

    @Test
    void aMalformedVersionIsRefusedAndTheFirstReleaseNeedsNoPredecessor() throws Exception {
        assertEquals(VersionRules.BAD_VERSION, refusal("1.4", false, false));
        assertEquals(VersionRules.BAD_VERSION, refusal("v2.0.0", true, true));
        assertEquals(SemanticVersion.parse("7.0.0"), VersionRules.check(null, release("7.0.0", false, false)));
    }
}
