package org.agentrouter.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.agentrouter.cluster.ClusterLayout;
import org.agentrouter.cluster.ClusterProcess;
import org.agentrouter.cluster.FlinkRest;
import org.agentrouter.cluster.LocalCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Each process of the cluster (alive or not), then the JobManager's /overview and /jobs/overview.")
public final class ClusterStatusCommand implements Callable<Integer> {
    @Option(names = "--run-dir", description = "default: ${DEFAULT-VALUE}")
    Path runDir = Path.of(".run/cluster");

    @Override
    public Integer call() {
        ClusterLayout layout = new ClusterLayout(runDir);
        LocalCluster cluster = new LocalCluster(layout);
        if (cluster.processes().isEmpty()) {
            System.out.println("no cluster in " + layout.root());
            return 1;
        }
        boolean allAlive = true;
        for (ClusterProcess p : cluster.processes()) {
            allAlive &= p.isAlive();
            System.out.printf("%-16s pid %-8d %s%n", p.name(), p.pid(), p.isAlive() ? "alive" : "DEAD");
        }
        System.out.println("kafka bootstrap  " + layout.bootstrap());
        String address = layout.restAddress();
        if (address == null) {
            System.out.println("no JobManager address recorded in " + layout.root() + " (did cluster up finish?)");
            return 1;
        }
        FlinkRest rest = new FlinkRest(address);
        try {
            JsonNode o = rest.overview();
            System.out.printf("flink            http://%s  %s, %d TaskManagers, slots %d (%d free), jobs: %d running, %d finished, %d cancelled, %d failed%n",
                    address, o.path("flink-version").asText(), o.path("taskmanagers").asInt(), o.path("slots-total").asInt(),
                    o.path("slots-available").asInt(), o.path("jobs-running").asInt(), o.path("jobs-finished").asInt(),
                    o.path("jobs-cancelled").asInt(), o.path("jobs-failed").asInt());
            for (JsonNode job : rest.jobsOverview().path("jobs")) {
                System.out.printf("job              %s  %-20s %-10s for %s, tasks %s%n", job.path("jid").asText(),
                        job.path("name").asText(), job.path("state").asText(),
                        Duration.ofMillis(job.path("duration").asLong()).toString().substring(2).toLowerCase(),
                        job.path("tasks"));
            }
        } catch (IOException e) {
            System.out.println("flink            " + e.getMessage());
            return 1;
        }
        return allAlive ? 0 : 1;
    }
}
