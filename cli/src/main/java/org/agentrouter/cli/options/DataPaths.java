package org.agentrouter.cli.options;

import java.nio.file.Path;

/** Where the repository and the shared data are, as the launcher tells us (router.home). */
public final class DataPaths {
    private DataPaths() {}

    public static Path repo() {
        return Path.of(System.getProperty("router.home", ".")).toAbsolutePath().normalize();
    }

    /** The shared LoCoMo conversations, read in place beside the repository (never copied into it). */
    public static Path locomo() {
        String override = System.getProperty("router.locomo.dir");
        return override != null ? Path.of(override) : repo().resolve("../shared/data/locomo").normalize();
    }

    /** The RouteLLM MMLU outcomes, read in place beside the repository (never copied into it). */
    public static Path mmlu() {
        String override = System.getProperty("router.data.dir");
        return override != null ? Path.of(override) : repo().resolve("../shared/data/routellm-mmlu").normalize();
    }
}
