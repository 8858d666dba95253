package org.agentrouter.runtime;

import org.agentrouter.job.KafkaConnection;
import org.agentrouter.job.MemoryPublisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import ai.onnxruntime.OrtEnvironment;
import org.agentrouter.memory.store.MemoryStore;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.ServedModel;
import org.agentrouter.job.FlinkEnvironments;
import org.agentrouter.job.JobOptions;
import org.agentrouter.job.RouterJob;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import org.agentrouter.wire.Topics;
/** Starts the routing job on an in-process MiniCluster against a Kafka cluster, after checking what it needs. */
public final class LocalRouterJob {
    private LocalRouterJob() {}

    public static final List<String> REQUIRED_TOPICS = List.of(Topics.AGENT_QUERIES, Topics.ROUTER_MODELS,
            Topics.ROUTING_DECISIONS, Topics.ROUTING_METRICS, Topics.AGENT_QUERIES_DLQ, Topics.MODEL_EVENTS,
            Topics.ROUTER_HEALTH, Topics.AGENT_MEMORIES, Topics.ROUTING_FEEDBACK);

    /**
     * Fails fast, with a message naming what is wrong, when the broker does not answer, a topic is
     * missing, the --store seed (when given) is not there or not a store, or the model the scorer starts with is
     * missing or refused: never a job that silently processes nothing (or restarts forever).
     */
    public static void preflight(String bootstrap, JobOptions options) {
        preflight(bootstrap, options, Duration.ofSeconds(10));
    }

    public static void preflight(String bootstrap, JobOptions options, Duration brokerTimeout) {
        // Local checks first: they are instant and do not depend on the broker.
        try {
            options.stateBackendType();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        if (options.store != null) checkStore(options.store.toAbsolutePath());
        checkModel(options.bundledModel);
        try {
            options.routerConfig(); // reads the model key files: a missing or wrong one is named here
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        KafkaConnection kafka;
        try {
            kafka = options.kafka(bootstrap);
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        TopicAdmin.requireExisting(kafka, REQUIRED_TOPICS, brokerTimeout);
    }

    private static void checkStore(Path store) {
        if (!Files.isRegularFile(store)) {
            throw new IllegalStateException("memory store " + store + " does not exist (--store is an optional seed: leave it out,"
                    + " or publish memories to " + Topics.AGENT_MEMORIES + ")");
        }
        try (MemoryStore s = MemoryStore.openReadOnly(store)) {
            s.count();
        } catch (RuntimeException e) {
            throw new IllegalStateException("memory store " + store + " cannot be read as a memory store: " + e.getMessage(), e);
        }
    }

    private static void checkModel(String resourceDir) {
        try (ServedModel model = ServedModel.accept(OrtEnvironment.getEnvironment(), ModelReleases.fromClasspath(resourceDir))) {
            // accepted: checksum, layout, tensor contract, dry run and calibration are all in order
        } catch (java.io.IOException e) {
            throw new IllegalStateException("model release " + resourceDir + " is missing from the job's classpath: "
                    + e.getMessage() + " (pass --bundled-model, or rebuild with ./router build-seed-model)", e);
        } catch (Exception e) {
            throw new IllegalStateException("model release " + resourceDir + " would be refused by the scorer: "
                    + e.getMessage(), e);
        }
    }

    public static JobClient start(String bootstrap, JobOptions options, int uiPort, int prometheusPort, Path workDir)
            throws Exception {
        preflight(bootstrap, options);
        StreamExecutionEnvironment env = environment(options, uiPort, prometheusPort, workDir.resolve("checkpoints"));
        RouterJob.onKafka(env, options.kafka(bootstrap), options);
        return env.executeAsync(RouterJob.JOB_NAME);
    }

    /**
     * A MiniCluster in this JVM serving the Flink UI on {@code uiPort} and Prometheus metrics on
     * {@code prometheusPort} (0 disables either).
     */
    public static StreamExecutionEnvironment environment(JobOptions options, int uiPort, int prometheusPort, Path checkpointDir) {
        Configuration conf = new Configuration();
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());
        // Also set for the job by FlinkEnvironments.configure; here so the cluster's checkpoint storage has it too.
        conf.set(CheckpointingOptions.FS_WRITE_BUFFER_SIZE, FlinkEnvironments.CHECKPOINT_WRITE_BUFFER_BYTES);
        conf.setString("taskmanager.numberOfTaskSlots", String.valueOf(Math.max(2, options.parallelism)));
        conf.addAll(FlinkEnvironments.recovery(options));
        if (prometheusPort > 0) {
            conf.setString("metrics.reporter.prom.factory.class",
                    "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            conf.setString("metrics.reporter.prom.port", String.valueOf(prometheusPort));
        }
        StreamExecutionEnvironment env;
        if (uiPort > 0) {
            conf.set(RestOptions.PORT, uiPort);
            conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
            env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(conf);
        } else {
            env = StreamExecutionEnvironment.createLocalEnvironment(options.parallelism, conf);
        }
        return env; // configured by the launch recipe (RouterJob.onKafka)
    }
}
