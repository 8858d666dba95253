package org.agentrouter.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import org.agentrouter.cli.bench.BenchCommand;
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
        int code = new CommandLine(new RouterCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println(cmd.getColorScheme().errorText("error: " + e.getMessage()));
                    if (System.getenv("ROUTER_DEBUG") != null) e.printStackTrace(cmd.getErr());
                    return 1;
                })
                .execute(args);
        System.exit(code);
    }
}
