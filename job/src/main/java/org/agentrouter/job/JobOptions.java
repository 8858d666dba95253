package org.agentrouter.job;

import java.nio.file.Path;
import org.agentrouter.flink.RouterConfig;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.agentrouter.job.KafkaConnection;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by every way of running the job (embedded, local against Kafka, on a cluster). */
public class JobOptions {
    @Option(names = "--store", description = "optional seed: the memories of this SQLite + sqlite-vec store are published to agent-memories "
            + "(by memory id, so again is harmless) before the job starts; the job itself reads memories only from the topic")
    public Path store;

    @Option(names = "--max-indexed-memories", description = "memories one retrieval subtask indexes at most, its heap budget (default: ${DEFAULT-VALUE})")
    public long maxIndexedMemories = 2_000_000;

    @Option(names = "--retrieval-scan-threads", description = "threads that scan one namespace of 16k+ memories for one query: lower latency "
            + "when cores idle, no more throughput; each retrieval subtask starts N - 1 helper threads (default: ${DEFAULT-VALUE})")
    public int retrievalScanThreads = 1;

    @Option(names = "--recent-query-ttl-ms", description = "how long a query's vector waits for its feedback to become an episode memory (default: ${DEFAULT-VALUE})")
    public long recentQueryTtlMs = 600_000;

    @Option(names = "--embedder", description = "MiniLM for queries that carry no vector: full, or quantized (about 1.7x cheaper per text, cosine > 0.95 to full) (default: ${DEFAULT-VALUE})")
    public String embedder = "full";

    @Option(names = "--delete-marker-retention-ms", description = "how long the job remembers a deleted memory so that an older copy "
            + "arriving late cannot bring it back; one day, like agent-memories' delete.retention.ms (default: ${DEFAULT-VALUE})")
    public long deleteMarkerRetentionMs = org.agentrouter.wire.Topics.AGENT_MEMORIES_DELETE_RETENTION_MS;

    @Option(names = "--k", description = "memory candidates retrieved per query, at most 128 (default: ${DEFAULT-VALUE})")
    public int k = new RouterConfig().retrievalK;

    @Option(names = "--alpha", description = "default quality target: tolerated share of cheap answers that needed the strong model (default: ${DEFAULT-VALUE})")
    public double alpha = 0.1;

    @Option(names = "--guarantee", description = "at-least-once (low latency) or exactly-once (Kafka transactions; decisions visible per checkpoint) (default: ${DEFAULT-VALUE})")
    public String guarantee = "at-least-once";

    @Option(names = "--checkpoint-interval-ms", description = "default: ${DEFAULT-VALUE}")
    public long checkpointIntervalMs = 5_000;

    @Option(names = "--state-backend", description = "hashmap (state on the heap; every checkpoint writes all of it) or rocksdb (state on local "
            + "disk; incremental checkpoints write only what changed, for large memory sets) (default: the cluster's state.backend.type; hashmap when embedded)")
    public String stateBackend;

    @Option(names = "--buffer-timeout-ms", description = "network buffer flush interval of the decision path; 0 flushes after every "
            + "record and runs no flusher thread (default: ${DEFAULT-VALUE})")
    public long bufferTimeoutMs = 0;

    @Option(names = "--side-buffer-timeout-ms", description = "network buffer flush interval off the decision path (memories, feedback, "
            + "model releases, health ticks, guarantee monitor, rollout judge): each output with a timeout has a thread waking this often; "
            + "-1 for --buffer-timeout-ms (default: ${DEFAULT-VALUE})")
    public long sideBufferTimeoutMs = 100;

    @Option(names = "--parallelism", description = "default: ${DEFAULT-VALUE}")
    public int parallelism = 1;

    @Option(names = "--log-decisions-every", description = "log one decision in N as a JSON line, 0 for none; fallbacks are always logged (default: ${DEFAULT-VALUE})")
    public int logDecisionsEvery = 100;

    @Option(names = "--feedback-window", description = "outcomes per model version in the live violation-rate window (default: ${DEFAULT-VALUE})")
    public int feedbackWindow = 500;

    @Option(names = "--feedback-min-outcomes", description = "outcomes needed before the drift flag can be raised (default: ${DEFAULT-VALUE})")
    public int feedbackMinOutcomes = 50;

    @Option(names = "--health-interval-ms", description = "a health status per routing subtask to router-health this often, 0 for none (default: ${DEFAULT-VALUE})")
    public long healthIntervalMs = 5_000;

    @Option(names = "--bundled-model", description = "classpath directory of the release served until one arrives on router-models (default: ${DEFAULT-VALUE})")
    public String bundledModel = "models/default";

    @Option(names = "--cold-start", description = "how a query of a namespace without memories is routed: bundled (the shared"
            + " prior and thresholds shipped in operators' learner/default.json), a learner settings file written by"
            + " `./router replay --write-learner`, or strong (default: ${DEFAULT-VALUE})")
    public String coldStart = "bundled";

    @Option(names = "--learning", description = "on: every query is routed by its namespace's learner (the --cold-start settings"
            + " and the namespace's own outcomes from routing-feedback, in keyed state; decisions may ask for a probe); off: the"
            + " release's conformal decision, the shared prior for a namespace without memories only (default: ${DEFAULT-VALUE})")
    public String learning = "off";

    @Option(names = "--group-id", description = "Kafka consumer group and transactional id prefix (default: ${DEFAULT-VALUE})")
    public String groupId = "agent-router";

    @Mixin
    public KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

    @Option(names = "--otlp-endpoint", paramLabel = "URL", description = "send traces of sampled queries over OTLP to this collector "
            + "(Jaeger, Tempo, an OpenTelemetry Collector): http://HOST:4318 for http/protobuf, http://HOST:4317 for grpc. Default: the "
            + "TaskManagers' OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT; with neither, the job traces nothing "
            + "(a query's traceparent still goes on to its decision)")
    public String otlpEndpoint;

    @Option(names = "--otlp-protocol", description = "grpc or http/protobuf (default: OTEL_EXPORTER_OTLP_PROTOCOL, else http/protobuf)")
    public String otlpProtocol;

    @Option(names = "--trace-sampling", description = "share of queries the job traces when the agent sent no sampled traceparent "
            + "(head sampling at decode; a query with a traceparent follows its sampled flag); 0 turns tracing off (default: ${DEFAULT-VALUE})")
    public double traceSampling = new org.agentrouter.tracing.TracingSettings().samplingRatio;

    @Option(names = "--trace-service-name", description = "service.name of the job's spans (default: OTEL_SERVICE_NAME, else agent-router)")
    public String traceServiceName;

    @Option(names = "--span-exporter-factory", paramLabel = "CLASS", description = "a SpanExporterFactory class on the job's class path "
            + "that exports the spans instead of OTLP (an exporter the deployment brings; the tests' in-memory one)")
    public String spanExporterFactory;

    /** The job's Kafka at {@code bootstrap}, with {@code --kafka-properties} applied to all of its clients. */
    public KafkaConnection kafka(String bootstrap) {
        return kafkaProperties.connect(bootstrap);
    }

    @Option(names = "--from-savepoint", description = "start from this savepoint (or retained checkpoint): a local directory or a URI the cluster can read (s3://...), e.g. what ./router stop printed; with a new --parallelism this rescales the job")
    public String fromSavepoint;

    @Option(names = "--allow-non-restored-state", description = "with --from-savepoint: start even if some state in it belongs to no operator of this job")
    public boolean allowNonRestoredState;

    /** Flink's name of the chosen state backend, or null for the cluster's; refuses anything but the two this job is tested with. */
    public String stateBackendType() {
        if (stateBackend == null) return null;
        String b = stateBackend.toLowerCase();
        if (!b.equals("hashmap") && !b.equals("rocksdb")) {
            throw new IllegalArgumentException("--state-backend must be hashmap or rocksdb, got " + stateBackend);
        }
        return b;
    }

    public DeliveryGuarantee deliveryGuarantee() {
        switch (guarantee.toLowerCase()) {
            case "at-least-once": return DeliveryGuarantee.AT_LEAST_ONCE;
            case "exactly-once": return DeliveryGuarantee.EXACTLY_ONCE;
            default: throw new IllegalArgumentException("--guarantee must be at-least-once or exactly-once, got " + guarantee);
        }
    }

    @Option(names = "--auto-rollback", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "roll a challenger back automatically when it breaks the rollout rules (README: automatic rollback); --no-auto-rollback only measures (default: ${DEFAULT-VALUE})")
    public boolean autoRollback = true;

    @Option(names = "--rollout-window-ms", description = "the rollout judge compares variants over this window (default: ${DEFAULT-VALUE})")
    public long rolloutWindowMs = 60_000;

    @Option(names = "--rollout-min-decisions", description = "challenger decisions in the window before the error and latency rules apply (default: ${DEFAULT-VALUE})")
    public long rolloutMinDecisions = 200;

    @Option(names = "--rollout-error-ratio", description = "roll back when the challenger's scoring error rate exceeds this times the champion's (default: ${DEFAULT-VALUE})")
    public double rolloutErrorRatio = 2.0;

    @Option(names = "--rollout-min-error-rate", description = "... and this rate (default: ${DEFAULT-VALUE})")
    public double rolloutMinErrorRate = 0.02;

    @Option(names = "--rollout-latency-ratio", description = "roll back when the challenger's p95 scoring latency exceeds this times the champion's (default: ${DEFAULT-VALUE})")
    public double rolloutLatencyRatio = 1.5;

    @Option(names = "--rollout-latency-margin-us", description = "... and by at least this many microseconds (default: ${DEFAULT-VALUE})")
    public long rolloutLatencyMarginUs = 200;

    @Option(names = "--rollout-report-interval-ms", description = "each routing subtask reports its variants to the judge this often (default: ${DEFAULT-VALUE})")
    public long rolloutReportIntervalMs = 1_000;

    @Option(names = "--lexical-k", description = "BM25 hits fused with the dense ones per query; 0: cosine only, no lexical index (default: ${DEFAULT-VALUE})")
    public int lexicalK = new RouterConfig().lexicalK;

    @Option(names = "--session-neighbours", description = "turns next to the best hits in their session added to the candidates per query at most; 0: none (default: ${DEFAULT-VALUE})")
    public int sessionNeighbours = new RouterConfig().sessionNeighbours;

    @Option(names = "--lexical-refresh-ms", description = "a namespace's lexical index catches up with its writes at most this often; a new memory is found by its words within it (default: ${DEFAULT-VALUE})")
    public long lexicalRefreshMs = new RouterConfig().lexicalRefreshMs;

    @Option(names = "--max-record-bytes", description = "largest query, feedback or memory record read from Kafka; larger ones are dead-lettered as RECORD_TOO_LARGE before they are decoded (default: ${DEFAULT-VALUE})")
    public int maxRecordBytes = new org.agentrouter.intake.InputLimits().maxRecordBytes;

    @Option(names = "--max-text-chars", description = "longest query or memory text; longer ones are dead-lettered as INVALID_FIELD, never truncated (default: ${DEFAULT-VALUE})")
    public int maxTextChars = new org.agentrouter.intake.InputLimits().maxTextChars;

    @Option(names = "--trusted-model-keys", paramLabel = "FILE_OR_DIR", description = "Ed25519 public keys (PEM; a file, or a directory "
            + "of *.pem / *.pub files): every model release and rollback/rollout control must then be signed by one of them, else it is "
            + "refused with rule 'signature'. Read where the job is built (this command), never on a TaskManager. Default: none, "
            + "nothing is checked and whoever can write to router-models can swap the model (the behaviour of jobs before signing)")
    public Path trustedModelKeys;

    @Option(names = "--job-signing-key", paramLabel = "FILE", description = "with --trusted-model-keys: the job's own Ed25519 key "
            + "(./router model-key generate) that signs the rollout judge's automatic rollbacks; the scorers trust it for those "
            + "only. Default: a key made when the job is built, so a job started without a checkpoint cannot verify the rollbacks "
            + "of an earlier one when it replays router-models")
    public Path jobSigningKey;

    /** Reads the key files (here, where the job graph is built) into what the scorers and the judge need. */
    void applyModelKeys(RouterConfig c) {
        try {
            if (trustedModelKeys != null) {
                c.modelKeys = org.agentrouter.signing.TrustedModelKeys.read(trustedModelKeys);
            }
            if (jobSigningKey != null) {
                c.judgeSigner = org.agentrouter.signing.ModelSigner.read(jobSigningKey);
            } else if (c.modelKeys.enforced() && autoRollback) {
                // No key given: one for this job graph, so automatic rollback keeps working (see --job-signing-key).
                c.judgeSigner = new org.agentrouter.signing.ModelSigner(org.agentrouter.signing.ModelKeys.generate());
            }
            if (c.judgeSigner != null && c.modelKeys.enforced()) {
                c.modelKeys = c.modelKeys.withJudgeKey(c.judgeSigner.publicKeyX509());
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("model keys: " + e.getMessage(), e);
        }
    }

    private org.agentrouter.learning.LearnerSettings coldStartSettings() {
        switch (coldStart) {
            case "bundled":
                return org.agentrouter.learning.LearnerFiles.bundled().settings();
            case "strong":
                return null;
            default:
                try {
                    return org.agentrouter.learning.LearnerFiles.read(Path.of(coldStart)).settings();
                } catch (java.io.IOException e) {
                    throw new IllegalArgumentException("--cold-start " + coldStart + ": " + e.getMessage(), e);
                }
        }
    }

    public RouterConfig routerConfig() {
        RouterConfig c = new RouterConfig();
        c.maxIndexedMemories = maxIndexedMemories;
        c.retrievalScanThreads = retrievalScanThreads;
        c.recentQueryTtlMs = recentQueryTtlMs;
        c.deleteMarkerRetentionMs = deleteMarkerRetentionMs;
        c.retrievalK = k;
        c.lexicalK = lexicalK;
        c.sessionNeighbours = sessionNeighbours;
        c.lexicalRefreshMs = lexicalRefreshMs;
        c.defaultAlpha = alpha;
        c.decisionLogSampleEvery = logDecisionsEvery;
        c.feedbackWindow = feedbackWindow;
        c.feedbackMinOutcomes = feedbackMinOutcomes;
        c.healthIntervalMs = healthIntervalMs;
        c.sideBufferTimeoutMs = sideBufferTimeoutMs;
        c.embedder = embedder;
        c.bundledModel = bundledModel;
        c.coldStart = coldStartSettings();
        c.learning = switch (learning) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("--learning must be on or off, got " + learning);
        };
        c.rollout.autoRollback = autoRollback;
        c.rollout.windowMs = rolloutWindowMs;
        c.rollout.minDecisions = rolloutMinDecisions;
        c.rollout.errorRatio = rolloutErrorRatio;
        c.rollout.minErrorRate = rolloutMinErrorRate;
        c.rollout.latencyRatio = rolloutLatencyRatio;
        c.rollout.latencyMarginUs = rolloutLatencyMarginUs;
        c.rollout.reportIntervalMs = rolloutReportIntervalMs;
        c.limits.maxRecordBytes = maxRecordBytes;
        c.limits.maxTextChars = maxTextChars;
        c.tracing.endpoint = otlpEndpoint;
        c.tracing.protocol = otlpProtocol;
        c.tracing.samplingRatio = traceSampling;
        c.tracing.serviceName = traceServiceName;
        c.tracing.exporterFactory = spanExporterFactory;
        applyModelKeys(c);
        return c.validate();
    }
}
