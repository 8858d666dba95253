package org.agentrouter.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import org.agentrouter.cli.bench.BenchCommand;
import org.agentrouter.cli.options.ExitCode;
import org.agentrouter.cli.bench.RolloutLatencyCommand;
import org.agentrouter.cli.model.BuildSeedModelCommand;
import org.agentrouter.cli.model.CalibrateCommand;
import org.agentrouter.cli.model.EvalCommand;
import org.agentrouter.cli.model.EvalContextCommand;
import org.agentrouter.cli.model.ModelKeyCommand;
import org.agentrouter.cli.model.ModelsCommand;
import org.agentrouter.cli.model.PublishModelCommand;
import org.agentrouter.cli.model.ReplayCommand;
import org.agentrouter.cli.model.RollbackCommand;
import org.agentrouter.cli.model.RolloutCommand;
import org.agentrouter.cli.model.TrainCommand;
import org.agentrouter.cli.model.TrainRelevanceCommand;
import org.agentrouter.cli.ops.ClusterCommand;
import org.agentrouter.cli.ops.ConsumeCommand;
import org.agentrouter.cli.ops.DemoCommand;
import org.agentrouter.cli.ops.FuzzCommand;
import org.agentrouter.cli.ops.HealthCommand;
import org.agentrouter.cli.ops.MemoryCommand;
import org.agentrouter.cli.ops.ProduceCommand;
import org.agentrouter.cli.ops.RunCommand;
import org.agentrouter.cli.ops.StopCommand;
import org.agentrouter.cli.ops.SubmitCommand;
/** {@code ./router}: every command a user of the router runs. */
@Command(name = "router", mixinStandardHelpOptions = true, version = "agent-router 0.1.0",
        description = "Agent query router on Apache Flink: memory retrieval, learned scoring and conformal cheap/strong routing.",
        subcommands = {
            DemoCommand.class,
            RunCommand.class,
            ClusterCommand.class,
            SubmitCommand.class,
            ProduceCommand.class,
            ConsumeCommand.class,
            BuildSeedModelCommand.class,
            CalibrateCommand.class,
            TrainCommand.class,
            TrainRelevanceCommand.class,
            EvalContextCommand.class,
            EvalCommand.class,
            ReplayCommand.class,
            PublishModelCommand.class,
            ModelsCommand.class,
            RollbackCommand.class,
            RolloutCommand.class,
            ModelKeyCommand.class,
            RolloutLatencyCommand.class,
            HealthCommand.class,
            StopCommand.class,
            MemoryCommand.class,
            BenchCommand.class,
            FuzzCommand.class,
            CommandLine.HelpCommand.class
        })
public final class RouterCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        // Before any Avro class reads its limits (the job of ./router demo and run decodes in this JVM).
        org.agentrouter.wire.AvroLimits.install();
        System.exit(commandLine().execute(args));
    }

    /**
     * The command tree as {@link #main} runs it: a usage error is one line and a pointer to --help (exit 2), a
     * failure one line with its fix and the exit code of its kind ({@link FailureReport}, {@link ExitCode}).
     */
    public static CommandLine commandLine() {
        CommandLine root = new CommandLine(new RouterCli());
        return root
                // The descriptions are written as lines of about 120 characters: at picocli's default 80 each
                // would break in two, leaving a ragged column of half lines.
                .setUsageHelpWidth(120)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setParameterExceptionHandler((e, args) -> usageError(root, e))
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    FailureReport report = FailureReport.of(e, cmd);
                    cmd.getErr().println(cmd.getColorScheme().errorText(report.line()));
                    if (System.getenv("ROUTER_DEBUG") != null) e.printStackTrace(cmd.getErr());
                    return report.exitCode();
                });
    }

    /** As GNU tools do: the problem, a suggestion for a misspelt option, where the help is; not the whole usage. */
    private static int usageError(CommandLine root, CommandLine.ParameterException e) {
        CommandLine cmd = inTree(root, e.getCommandLine());
        java.io.PrintWriter err = cmd.getErr();
        err.println(cmd.getColorScheme().errorText("error: " + e.getMessage()));
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("(./" + cmd.getCommandSpec().qualifiedName(" ") + " --help lists the options)");
        return ExitCode.USAGE;
    }

    /**
     * A command that refuses a value in call() builds its own CommandLine, which knows neither its parents (the
     * pointer to --help would say "./router up" for "cluster up") nor the streams set on the tree: use the tree's.
     */
    private static CommandLine inTree(CommandLine root, CommandLine cmd) {
        if (cmd.getParent() != null || cmd.getCommand() instanceof RouterCli) return cmd;
        java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(root));
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            if (c.getCommand().getClass() == cmd.getCommand().getClass()) return c;
            todo.addAll(c.getSubcommands().values());
        }
        return root;
    }
}
