package org.agentrouter.job;

import java.nio.file.Path;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/** How the job's execution environment is set up from its options: checkpoints, parallelism, state backend, restore. */
public final class FlinkEnvironments {
    private FlinkEnvironments() {}

    /** Buffer of each checkpoint file stream (Flink's default is 4 KB); at most one per stateful subtask at a time. */
    public static final int CHECKPOINT_WRITE_BUFFER_BYTES = 1 << 20;

    /**
     * Where the job's state comes from: nothing (a fresh start) or {@code --from-savepoint}. The path is checked
     * here (when local) because Flink reports a missing savepoint only after accepting the job, as a failed job.
     */
    public static Configuration recovery(JobOptions options) {
        Configuration conf = new Configuration();
        if (options.fromSavepoint != null) {
            String location = options.fromSavepoint;
            boolean local = !location.contains("://") || location.startsWith("file:");
            if (local) {
                Path dir = location.startsWith("file:") ? Path.of(java.net.URI.create(location)) : Path.of(location).toAbsolutePath();
                if (!java.nio.file.Files.isRegularFile(dir.resolve("_metadata"))) {
                    throw new IllegalArgumentException("--from-savepoint " + dir
                            + " is not a savepoint or retained checkpoint (no _metadata in it)");
                }
                location = dir.toUri().toString();
            }
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, location);
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, options.allowNonRestoredState);
        }
        return conf;
    }

    /** Checkpointing and parallelism as the options say; object reuse is safe because no function keeps emitted records. */
    public static StreamExecutionEnvironment configure(StreamExecutionEnvironment env, JobOptions options) {
        env.setParallelism(options.parallelism);
        // Flink's default 100 ms buffer timeout adds up to that per network hop at low rates; a decision is
        // latency-bound. 0 (the default since issue 19 round 2) hands each record on at once and runs no flusher
        // thread: at 5 ms the decision path's flushers woke ~200 times a second each, half of an idle job's CPU
        // at 5 s checkpoints, and at 1,000 decisions/s flushing per record cost no more than they did (BENCHMARKS.md).
        env.setBufferTimeout(options.bufferTimeoutMs);
        env.getConfig().enableObjectReuse();
        CheckpointingMode mode = options.deliveryGuarantee() == org.apache.flink.connector.base.DeliveryGuarantee.EXACTLY_ONCE
                ? CheckpointingMode.EXACTLY_ONCE : CheckpointingMode.AT_LEAST_ONCE;
        env.enableCheckpointing(options.checkpointIntervalMs, mode);
        // The heap backend writes all of its state at every checkpoint, through a 4 KB buffer by default: one
        // write() call per 4 KB, which was a fifth of an idle job's CPU with ~70 MB of memories and recent queries
        // (issue 19's profile). A larger buffer writes the same bytes in far fewer calls.
        Configuration io = new Configuration();
        io.set(CheckpointingOptions.FS_WRITE_BUFFER_SIZE, CHECKPOINT_WRITE_BUFFER_BYTES);
        env.configure(io);
        // Only when asked: otherwise the cluster's configuration decides. RocksDB checkpoints only the files
        // written since the last one, where the heap backend copies every memory at every checkpoint.
        String backend = options.stateBackendType();
        if (backend != null) {
            Configuration state = new Configuration();
            state.set(StateBackendOptions.STATE_BACKEND, backend);
            state.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, backend.equals("rocksdb"));
            env.configure(state);
        }
        return env;
    }
}
