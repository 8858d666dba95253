package org.agentrouter.scoring;

import org.agentrouter.schema.ModelRelease;

/**
 * Which versions may replace the serving one. Checked before the (costlier) content checks of
 * {@link ServedModel#accept}, against the version serving now:
 * <ul>
 *   <li>a MAJOR version different from the serving one is refused unless the release was published with
 *       {@code --allow-major} (a MAJOR bump announces an incompatible model: someone must say they mean it);
 *   <li>a version not newer than the serving one is refused unless the release was published as an explicit
 *       rollback (otherwise a replayed or stale release would silently downgrade the router).
 * </ul>
 */
public final class VersionRules {
    public static final String BAD_VERSION = "bad version";
    public static final String MAJOR_CHANGE = "major version change";
    public static final String NOT_NEWER = "version not newer";

    private VersionRules() {}

    /**
     * @param serving the version serving now, or null when nothing serves yet (then any well-formed version goes)
     * @return the release's version
     * @throws ModelRejectedException naming the rule the release breaks
     */
    public static SemanticVersion check(SemanticVersion serving, ModelRelease release) throws ModelRejectedException {
        SemanticVersion next;
        try {
            next = SemanticVersion.parse(release.getVersion());
        } catch (IllegalArgumentException e) {
            throw new ModelRejectedException(BAD_VERSION, e.getMessage());
        }
        if (serving == null) {
            return next;
        }
        if (next.major() != serving.major() && !release.getAllowMajor()) {
            throw new ModelRejectedException(MAJOR_CHANGE, "release " + next + " changes the MAJOR version of the serving "
                    + serving + "; publish it with --allow-major if that is intended");
        }
        if (next.compareTo(serving) <= 0 && !release.getRollback()) {
            throw new ModelRejectedException(NOT_NEWER, "release " + next + " is not newer than the serving " + serving
                    + "; use ./router rollback to go back");
        }
        return next;
    }
}
