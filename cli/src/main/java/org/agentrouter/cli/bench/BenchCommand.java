package org.agentrouter.cli.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./router bench ...}: measurements of the router, each with its own subcommand. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks of the router; results are JSON files, compared with a baseline stored in the repository.",
        subcommands = {BenchMicroCommand.class, RetrievalBenchCommand.class, PipelineBenchCommand.class})
public final class BenchCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
