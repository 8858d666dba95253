package org.agentrouter.cli.ops;

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
public final class RunCommand implements Callable<Integer> {
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
        Path savepoints = workDir.toAbsolutePath().resolve("savepoints");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopWithSavepoint(job, savepoints)));
        job.getJobExecutionResult().get();
        return 0;
    }

    /**
     * Ctrl-C stops the job with a savepoint rather than cancelling it: a cancelled exactly-once job can leave a
     * Kafka transaction open, and the savepoint lets {@code --from-savepoint} resume exactly here. Cancels when
     * the savepoint does not complete within 60 s (a job that is failing cannot take one).
     */
    private static void stopWithSavepoint(JobClient job, Path dir) {
        try {
            String location = job.stopWithSavepoint(false, dir.toUri().toString(),
                    org.apache.flink.core.execution.SavepointFormatType.CANONICAL).get(60, java.util.concurrent.TimeUnit.SECONDS);
            System.err.println("stopped with a savepoint: " + location + " (resume with --from-savepoint " + location + ")");
        } catch (Exception e) {
            System.err.println("no savepoint (" + e + "); cancelling the job");
            job.cancel().join();
        }
    }
}
