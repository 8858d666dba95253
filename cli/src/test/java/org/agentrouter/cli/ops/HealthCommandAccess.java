package org.agentrouter.cli.ops;

import org.agentrouter.runtime.HealthStatusReader;

/** Lets tests in other packages run the health command's verdict (package-private in the CLI). */
public final class HealthCommandAccess {
    private HealthCommandAccess() {}

    public record Result(int exitCode, java.util.List<String> lines) {}

    public static Result assess(HealthStatusReader.Snapshot snapshot, long nowMs) {
        HealthCommand.Assessment a = HealthCommand.assess(snapshot, nowMs, null);
        return new Result(a.exitCode(), a.lines());
    }
}
