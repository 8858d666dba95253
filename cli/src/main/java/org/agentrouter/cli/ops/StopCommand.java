package org.agentrouter.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.agentrouter.cluster.ClusterLayout;
import org.agentrouter.cluster.FlinkRest;
import org.agentrouter.job.RouterJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.HumanDuration;
@Command(name = "stop", mixinStandardHelpOptions = true,
        description = {"Stop the routing job with a savepoint and print where it is. This is the clean stop: no Kafka",
            "transaction is left open (a cancelled exactly-once job can block read_committed consumers until the",
            "transaction times out), and ./router submit --from-savepoint PATH [--parallelism N] resumes exactly",
            "where it stopped, at the same or another parallelism (rescaling).",
            "Works against ./router cluster up, ./router run (its --ui-port) or any Flink REST endpoint."})
public final class StopCommand implements Callable<Integer> {
    @Option(names = "--jobmanager", description = "JobManager REST address HOST:PORT (default: the cluster's, else 127.0.0.1:8081)")
    String jobManager;

    @Option(names = "--job", description = "job id (default: the one running job named " + RouterJob.JOB_NAME + ")")
    String jobId;

    @Option(names = "--savepoint-dir", description = "where to write the savepoint, a directory or URI the JobManager can write"
            + " (default: the cluster's execution.checkpointing.savepoint-dir)")
    String savepointDir;

    @Option(names = "--timeout", converter = HumanDuration.class, defaultValue = "5m",
            description = "how long to wait for the savepoint (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Option(names = "--run-dir", description = "where cluster up recorded its addresses (default: ${DEFAULT-VALUE})")
    Path runDir = Path.of(".run/cluster");

    @Override
    public Integer call() throws Exception {
        String address = jobManager != null ? jobManager : new ClusterLayout(runDir).restAddress();
        FlinkRest rest = new FlinkRest(address != null ? address : "127.0.0.1:8081");
        String id = jobId != null ? jobId : runningRouterJob(rest);
        String target = savepointDir == null ? null
                : savepointDir.contains("://") ? savepointDir : Path.of(savepointDir).toAbsolutePath().toUri().toString();
        System.err.printf("stopping %s at http://%s with a savepoint...%n", id, rest.address());
        String location = rest.stopWithSavepoint(id, target, timeout);
        System.out.println(location);
        System.err.println("stopped; resume with: ./router submit --from-savepoint " + location + " [--parallelism N]");
        return 0;
    }

    /** The single RUNNING job with the router's name; refuses to guess between several. */
    static String runningRouterJob(FlinkRest rest) throws Exception {
        List<String> running = new ArrayList<>();
        for (JsonNode job : rest.jobsOverview().path("jobs")) {
            if (RouterJob.JOB_NAME.equals(job.path("name").asText()) && "RUNNING".equals(job.path("state").asText())) {
                running.add(job.path("jid").asText());
            }
        }
        if (running.size() != 1) {
            throw new IllegalStateException(running.isEmpty()
                    ? "no running " + RouterJob.JOB_NAME + " job at http://" + rest.address()
                    : running.size() + " running " + RouterJob.JOB_NAME + " jobs at http://" + rest.address() + " " + running
                            + ": name one with --job");
        }
        return running.get(0);
    }
}
