package org.agentrouter.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.agentrouter.job.FlinkEnvironments;
import org.agentrouter.job.JobOptions;
import org.agentrouter.job.KafkaEndpoints;
import org.agentrouter.job.RouterJob;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** Starts the routing job on an in-process MiniCluster against a Kafka cluster, after checking what it needs. */
public final class LocalRouterJob {
    private LocalRouterJob() {}

    public static final List<String> REQUIRED_TOPICS = List.of(Topics.AGENT_QUERIES, Topics.ROUTER_MODELS,
            Topics.ROUTING_DECISIONS, Topics.ROUTING_METRICS, Topics.AGENT_QUERIES_DLQ, Topics.MODEL_EVENTS);

    /**
     * Fails fast, with a message naming what is wrong, when the broker does not answer, a topic is
     * missing or the memory store is not there: never a job that silently processes nothing.
     */
    public static void preflight(String bootstrap, JobOptions options) {
        Topics.requireExisting(bootstrap, REQUIRED_TOPICS, Duration.ofSeconds(10));
        Path store = options.store.toAbsolutePath();
        if (!Files.isRegularFile(store)) {
            throw new IllegalStateException("memory store " + store + " does not exist (build one with ./router demo, or pass --store)");
        }
    }

    public static JobClient start(String bootstrap, JobOptions options, int uiPort, int prometheusPort, Path workDir)
            throws Exception {
        preflight(bootstrap, options);
        StreamExecutionEnvironment env = FlinkEnvironments.local(options, uiPort, prometheusPort, workDir.resolve("checkpoints"));
        new KafkaEndpoints(bootstrap, options.groupId, options.deliveryGuarantee()).job(options.routerConfig()).build(env);
        return env.executeAsync(RouterJob.JOB_NAME);
    }
}
