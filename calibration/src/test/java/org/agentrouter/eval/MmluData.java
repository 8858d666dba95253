package org.agentrouter.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.agentrouter.eval.OutcomeTable;
/**
 * Where the RouteLLM MMLU outcome files live. The data is never copied into the repository: CI clones
 * the repository beside {@code shared/}, so it is {@code <repo root>/../shared/data/routellm-mmlu},
 * unless the system property {@value #PROPERTY} names another folder.
 */
public final class MmluData {
    public static final String PROPERTY = "router.data.dir";
    public static final String WEAK_MODEL = "mistralai/Mixtral-8x7B-Instruct-v0.1";
    public static final String STRONG_MODEL = "gpt-4-1106-preview";
    /** Strong model marked right on 3% of it: an answer-parsing failure in the source (see the data README). */
    public static final String DEFECTIVE_SUBJECT = "high_school_mathematics";

    private MmluData() {}

    public static Path directory() {
        String configured = System.getProperty(PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured);
        }
        return repositoryRoot().resolve("../shared/data/routellm-mmlu").normalize();
    }

    public static OutcomeTable load() throws IOException {
        return OutcomeTable.load(directory(), "prompt", WEAK_MODEL, STRONG_MODEL);
    }

    /** Surefire runs in the module directory; the root is the first ancestor holding the calibration module. */
    private static Path repositoryRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("pom.xml")) && Files.isDirectory(d.resolve("calibration"))) {
                return d;
            }
        }
        return dir;
    }
}
