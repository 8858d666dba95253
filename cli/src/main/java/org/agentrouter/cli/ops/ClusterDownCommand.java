package org.agentrouter.cli.ops;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.agentrouter.cluster.ClusterLayout;
import org.agentrouter.cluster.ClusterProcess;
import org.agentrouter.cluster.LocalCluster;
import org.agentrouter.cli.options.HumanDuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stop every process of the cluster (TaskManagers, JobManager, Kafka): SIGTERM, then SIGKILL after the grace period.")
public final class ClusterDownCommand implements Callable<Integer> {
    @Option(names = "--run-dir", description = "default: ${DEFAULT-VALUE}")
    Path runDir = Path.of(".run/cluster");

    @Option(names = "--grace", converter = HumanDuration.class, defaultValue = "20s",
            description = "how long to wait for a clean stop (default: ${DEFAULT-VALUE})")
    Duration grace;

    @Override
    public Integer call() {
        LocalCluster cluster = new LocalCluster(new ClusterLayout(runDir));
        var processes = cluster.processes();
        if (processes.isEmpty()) {
            System.err.println("no cluster in " + runDir.toAbsolutePath());
            return 0;
        }
        cluster.down(grace);
        for (ClusterProcess p : processes) System.err.println("stopped " + p);
        return 0;
    }
}
