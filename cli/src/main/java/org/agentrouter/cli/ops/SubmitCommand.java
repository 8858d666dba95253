package org.agentrouter.cli.ops;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.agentrouter.cluster.ClusterJobSubmitter;
import org.agentrouter.cluster.ClusterLayout;
import org.agentrouter.job.JobOptions;
import org.apache.flink.api.common.JobID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.DataPaths;
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = {"Submit the routing job (job/target/job-0.1.0-SNAPSHOT-cluster.jar) to a running Flink cluster and print its job id.",
            "The JobManager and Kafka default to those of ./router cluster up. A --store seed is read here and published to agent-memories."})
public final class SubmitCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", description = "Kafka bootstrap servers (default: the cluster's, from the run directory)")
    String bootstrap;

    @Option(names = "--jobmanager", description = "JobManager REST address HOST:PORT (default: the cluster's, else 127.0.0.1:8081)")
    String jobManager;

    @Option(names = "--jar", description = "the job jar (default: job/target/job-0.1.0-SNAPSHOT-cluster.jar)")
    Path jar;

    @Option(names = "--run-dir", description = "where cluster up recorded its addresses (default: ${DEFAULT-VALUE})")
    Path runDir = Path.of(".run/cluster");

    @Mixin
    JobOptions options = new JobOptions();

    @Override
    public Integer call() throws Exception {
        ClusterLayout layout = new ClusterLayout(runDir);
        String jm = jobManager != null ? jobManager : layout.restAddress() != null ? layout.restAddress() : "127.0.0.1:8081";
        String kafka = bootstrap != null ? bootstrap : layout.bootstrap();
        if (kafka == null) {
            throw new IllegalArgumentException("no Kafka known: pass --bootstrap HOST:PORT (no cluster up in " + layout.root() + ")");
        }
        Path jobJar = jar != null ? jar : DataPaths.repo().resolve("job/target/job-0.1.0-SNAPSHOT-cluster.jar");
        JobID id = ClusterJobSubmitter.submit(jm, kafka, options, jobJar);
        System.out.println(id);
        System.err.printf("submitted to http://%s (Kafka %s, %s, parallelism %d); ./router cluster status to follow it%n",
                jm, kafka, options.guarantee, options.parallelism);
        return 0;
    }
}
