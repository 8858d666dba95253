package org.agentrouter.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.agentrouter.job.JobOptions;
import org.agentrouter.runtime.LocalRouterJob;
import org.apache.flink.core.execution.JobClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the routing job in this process (Flink MiniCluster) against an existing Kafka, until Ctrl-C.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers, HOST:PORT")
    String bootstrap;

    @Option(names = "--ui-port", description = "Flink UI and REST port, 0 for none (default: ${DEFAULT-VALUE})")
    int uiPort = 8081;

    @Option(names = "--prometheus-port", description = "Prometheus reporter port, 0 for none (default: ${DEFAULT-VALUE})")
    int prometheusPort = 9249;

    @Option(names = "--work-dir", description = "checkpoints go here (default: ${DEFAULT-VALUE})")
    Path workDir = Path.of(".run/job");

    @Mixin
    JobOptions options = new JobOptions();

    @Override
    public Integer call() throws Exception {
        JobClient job = LocalRouterJob.start(bootstrap, options, uiPort, prometheusPort, workDir.toAbsolutePath());
        System.err.printf("job %s running against %s; Flink UI http://localhost:%d, metrics http://localhost:%d%n",
                job.getJobID(), bootstrap, uiPort, prometheusPort);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> job.cancel().join()));
        job.getJobExecutionResult().get();
        return 0;
    }
}
