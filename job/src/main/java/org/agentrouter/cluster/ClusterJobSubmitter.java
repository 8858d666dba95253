package org.agentrouter.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.agentrouter.job.FlinkEnvironments;
import org.agentrouter.job.JobOptions;
import org.agentrouter.job.KafkaEndpoints;
import org.agentrouter.job.RouterJob;
import org.agentrouter.runtime.LocalRouterJob;
import org.apache.flink.api.common.JobID;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Submits the routing job to a running Flink cluster: the graph is built here, the cluster jar (the job's
 * code and dependencies, Flink left out) travels with it and the call returns once the JobManager
 * accepted the job (detached: the job outlives this process).
 */
public final class ClusterJobSubmitter {
    private ClusterJobSubmitter() {}

    /**
     * Checks the JobManager, the broker, the topics, the store and the jar before submitting, so that every
     * mistake is reported by name instead of as a job failing on the cluster.
     *
     * @param jobManager host:port of the JobManager's REST endpoint
     */
    public static JobID submit(String jobManager, String bootstrap, JobOptions options, Path clusterJar) throws Exception {
        FlinkRest rest = new FlinkRest(jobManager);
        try {
            rest.overview();
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage() + "; start a cluster with ./router cluster up", e);
        }
        if (!Files.isRegularFile(clusterJar)) {
            throw new IllegalStateException("job jar " + clusterJar + " does not exist; build it with mvn package");
        }
        LocalRouterJob.preflight(bootstrap, options);
        // A --store seed is read here, where the command runs, and published to agent-memories: the TaskManagers
        // never open a file, so they need no shared filesystem. The --kafka-properties settings are read here too
        // and travel inside the Kafka sources and sinks (key and trust store files must exist on the TaskManagers).
        org.agentrouter.runtime.KafkaConnection kafka = options.kafka(bootstrap);
        org.agentrouter.runtime.MemoryPublisher.seed(kafka, options.store);

        String[] hostPort = jobManager.split(":", 2);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createRemoteEnvironment(
                hostPort[0], Integer.parseInt(hostPort[1]), FlinkEnvironments.recovery(options), clusterJar.toAbsolutePath().toString());
        FlinkEnvironments.configure(env, options);
        new KafkaEndpoints(kafka, options.groupId, options.deliveryGuarantee()).job(options.routerConfig()).build(env);
        return env.executeAsync(RouterJob.JOB_NAME).getJobID();
    }
}
