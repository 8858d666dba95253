package org.agentrouter.cli.options;

/**
 * The exit codes of every command, one meaning each (the README's "Exit codes" table). {@code health} keeps its own
 * documented 0 healthy, 1 degraded, 2 unhealthy.
 */
public final class ExitCode {
    private ExitCode() {}

    public static final int OK = 0;
    /** The command ran and its own check failed (health degraded, fuzz deviation, bench regression), or an unexpected error. */
    public static final int FAILED = 1;
    /** The command line is wrong: an unknown option, a missing or malformed value. */
    public static final int USAGE = 2;
    /** Kafka or Flink cannot be used: nothing answers, a port is taken, the login or an ACL is refused, topics are missing. */
    public static final int UNAVAILABLE = 3;
    /** An input is refused: a missing or unreadable file, a release the checks refuse, a malformed record or setting. */
    public static final int REFUSED = 4;
    /** Stopped by Ctrl-C (SIGINT), as shells report it. */
    public static final int INTERRUPTED = 130;
}
