package org.agentrouter.cli.ops;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./router cluster up|down|status}: a multi-process Flink cluster (and Kafka) on this machine. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "A standalone Flink cluster on 127.0.0.1: one JobManager and N TaskManagers as separate JVMs, "
                + "plus a Kafka broker process unless --bootstrap names one.",
        subcommands = {ClusterUpCommand.class, ClusterDownCommand.class, ClusterStatusCommand.class})
public final class ClusterCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
