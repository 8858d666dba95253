package org.agentrouter.job;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Arguments of the job's main class on a Flink cluster. */
final class ClusterJobCommand {
    @Option(names = "--bootstrap", required = true, description = "Kafka bootstrap servers")
    String bootstrap;

    @Mixin
    JobOptions options = new JobOptions();
}
