package org.agentrouter.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.agentrouter.cluster.ClusterLayout;
import org.agentrouter.cluster.ClusterOptions;
import org.agentrouter.cluster.LocalCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start the cluster and return once every TaskManager has registered.",
            "Configuration: flink-conf/config.yaml with ports, directories and process sizes overridden for this run;",
            "the generated conf dir, logs and pid files are under the run directory."})
final class ClusterUpCommand implements Callable<Integer> {
    @Option(names = "--taskmanagers", description = "TaskManager processes (default: ${DEFAULT-VALUE})")
    int taskManagers = 2;

    @Option(names = "--bootstrap", description = "use this Kafka (HOST:PORT) instead of starting a broker process")
    String bootstrap;

    @picocli.CommandLine.Mixin
    org.agentrouter.job.KafkaPropertiesOption kafkaProperties = new org.agentrouter.job.KafkaPropertiesOption();

    @Option(names = "--kafka-port", description = "port of the broker process, 0 for any free one (default: ${DEFAULT-VALUE})")
    int kafkaPort = 9092;

    @Option(names = "--rest-port", description = "JobManager REST and web UI port (default: ${DEFAULT-VALUE})")
    int restPort = 8081;

    @Option(names = "--rpc-port", description = "JobManager RPC port (default: ${DEFAULT-VALUE})")
    int rpcPort = 6123;

    @Option(names = "--taskmanager-memory", description = "taskmanager.memory.process.size (default: ${DEFAULT-VALUE})")
    String taskManagerMemory = "1536m";

    @Option(names = "--jobmanager-memory", description = "jobmanager.memory.process.size (default: ${DEFAULT-VALUE})")
    String jobManagerMemory = "1024m";

    @Option(names = {"-D", "--flink-config"}, paramLabel = "KEY=VALUE", description = "any further Flink setting, applied last")
    Map<String, String> extraConfig = new LinkedHashMap<>();

    @Option(names = "--run-dir", description = "default: ${DEFAULT-VALUE}")
    Path runDir = Path.of(".run/cluster");

    @Override
    public Integer call() {
        ClusterOptions options = new ClusterOptions();
        options.taskManagers = taskManagers;
        if (kafkaProperties.file != null && bootstrap == null) {
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                    "--kafka-properties goes with --bootstrap (the cluster's own broker is PLAINTEXT)");
        }
        options.bootstrap = bootstrap;
        options.kafkaProperties = kafkaProperties.file;
        options.kafkaPort = kafkaPort;
        options.restPort = restPort;
        options.rpcPort = rpcPort;
        options.taskManagerMemory = taskManagerMemory;
        options.jobManagerMemory = jobManagerMemory;
        options.extraConfig = extraConfig;
        options.projectConfDir = DataPaths.repo().resolve("flink-conf");
        ClusterLayout layout = new ClusterLayout(runDir);
        long start = System.nanoTime();
        new LocalCluster(layout).up(options);
        System.err.printf("cluster up in %.1f s: Flink UI http://%s, Kafka %s, logs in %s%n",
                (System.nanoTime() - start) / 1e9, layout.restAddress(), layout.bootstrap(), layout.logDir());
        System.err.println("next: ./router submit [--store FILE]" + (kafkaProperties.file == null ? "" : " --kafka-properties " + kafkaProperties.file)
                + "  (./router cluster status, ./router cluster down)");
        return 0;
    }
}
