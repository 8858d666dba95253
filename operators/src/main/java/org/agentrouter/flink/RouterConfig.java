package org.agentrouter.flink;

import java.io.Serializable;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.PricingTable;

/** What the operators need to know, shipped with the job graph. Every field has a working default. */
public final class RouterConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /**
     * Rows of the index's first pass (4-bit codes) rescored exactly per requested candidate. 3, not 4 since issue 19:
     * the exact rescoring reads each row's float vector from memory (1.5 KB) and was a quarter of the job's CPU at
     * 1,000 queries/s; recall@100 at 3 is 0.998 at 100k random memories and 0.995 at 1M (BENCHMARKS.md, 4-bit first
     * pass), and ~1.0 on real embeddings, whose neighbours stand clear of the rest.
     */
    public int indexShortlistFactor = 3;
    /**
     * Rows of the index's 2-bit coarse pass per requested candidate, whose 4-bit scores pick the shortlist (up
     * to 100k memories in the namespace; beyond, it grows with the square root of the size: 3.2x at 1M); 0 scans
     * every memory's 4-bit codes. Used on namespaces of more than twice the coarse shortlist.
     */
    public int indexCoarseFactor = org.agentrouter.memory.index.LiveMemoryIndex.DEFAULT_COARSE_FACTOR;
    /**
     * Threads that scan one large namespace for one query (the task thread plus helpers). One by default: under
     * load every core already has a task slot's work, and a split only wins where a core idles (BENCHMARKS.md).
     */
    public int retrievalScanThreads = 1;
    /** Memories one retrieval subtask indexes at most (its heap budget); beyond it they stay in state only. */
    public long maxIndexedMemories = 2_000_000;
    /** How long a retrieved query's vector waits for its feedback (to become an episode memory). */
    public long recentQueryTtlMs = 600_000;
    /** Recent queries kept per namespace at most; later ones get no episode until older ones expire. */
    public int recentQueriesMax = 10_000;
    /** How long an applied feedback's query id is remembered (a duplicate within it is ignored). */
    public long appliedFeedbackRetentionMs = 7L * 86_400_000L;
    /**
     * How long a delete marker is kept (processing time since its delete arrived): an older version of the
     * deleted memory arriving within it is refused, after it the marker is dropped so state stops growing.
     * One day, like agent-memories' {@code delete.retention.ms} (Topics): a copy older than the delete can
     * be in flight or in the topic's uncompacted head for about as long as Kafka keeps a delete visible.
     */
    public long deleteMarkerRetentionMs = 86_400_000L;
    /** Applied feedback ids remembered per namespace at most. */
    public int appliedFeedbackMax = 200_000;
    /**
     * Candidates retrieved per query (the scorer's input holds at most FeatureLayout.MAX_CANDIDATES, and scores all of
     * its rows whatever the fill): the full 128, since every candidate more is evidence the relevance head can see
     * (LoCoMo: 0.880 of it at 100 hybrid candidates, 0.901 at 128).
     */
    public int retrievalK = 128;
    /**
     * BM25 hits of the namespace's lexical index fused with the dense ones per query (HybridSearch); 0 retrieves by
     * cosine alone and keeps no lexical index.
     */
    public int lexicalK = 96;
    /**
     * Turns next to the best hits in their session added to the candidates per query at most (HybridSearch's session
     * neighbours; LoCoMo: the candidates hold 0.92 of the evidence instead of 0.90); 0 adds none. Needs the lexical
     * side (lexicalK > 0).
     */
    public int sessionNeighbours = 20;
    /**
     * A namespace's lexical searcher catches up with its writes at most this often (ms): a new memory is found by its
     * vector at once and by its words within this; each catch-up costs about a millisecond (BENCHMARKS.md).
     */
    public long lexicalRefreshMs = org.agentrouter.memory.lexical.LexicalIndex.DEFAULT_REFRESH_MS;
    /** Quality target for queries that name none. */
    public double defaultAlpha = 0.1;
    public PricingTable pricing = PricingTable.defaults();
    /** The release the scorer serves until one arrives on the model topic (a classpath directory). */
    public String bundledModel = "models/default";
    /**
     * How a query without candidates (a namespace with no memories yet) is routed: the shared prior and the stage-0
     * thresholds of these learner settings; null: the strongest route. Default: the bundled settings
     * ({@link org.agentrouter.learning.LearnerFiles#BUNDLED}).
     */
    public org.agentrouter.learning.LearnerSettings coldStart = org.agentrouter.learning.LearnerFiles.bundled().settings();
    /**
     * Learning per namespace (issue 21): every query is routed by {@link org.agentrouter.learning.NamespaceLearner} with
     * the {@link #coldStart} settings and the namespace's own outcomes (keyed state, updated from routing-feedback),
     * and a decision may ask for a probe. Off: the release's conformal decision, the prior for a cold start only.
     */
    public boolean learning = false;
    /** Route of the last fallback level; null means the strongest route (quality first). */
    public String defaultRoute = null;
    public CircuitBreaker.Settings scorerBreaker = CircuitBreaker.Settings.defaults();
    public CircuitBreaker.Settings retrievalBreaker = CircuitBreaker.Settings.defaults();
    /** One decision in this many is logged as a JSON line (0 = none). */
    public int decisionLogSampleEvery = 0;
    /** Outcomes per model version in the live violation-rate window (routing-feedback). */
    public int feedbackWindow = 500;
    /** Fewer outcomes than this never raise the drift flag. */
    public int feedbackMinOutcomes = 50;
    /** A health probe passes every stage this often and becomes a RouterHealth record (0 = no probes). */
    public long healthIntervalMs = 5_000;
    /**
     * Network buffer flush interval of the operators off the decision path (memories, feedback, model releases, health
     * ticks, guarantee monitor, rollout judge): each network output with a timeout has a thread waking this often, and
     * these paths carry a few records a minute. -1 leaves them at the job's --buffer-timeout-ms.
     */
    public long sideBufferTimeoutMs = 100;
    /** MiniLM build for queries that arrive without a vector: full or quantized (see MiniLmEmbedder.Variant). */
    public String embedder = "full";
    /** Automatic rollback of a challenger: window, minimum decisions, thresholds (see RolloutRules). */
    public org.agentrouter.rollout.RolloutRules.Settings rollout = new org.agentrouter.rollout.RolloutRules.Settings();
    /** What one input record may claim at most (size, text, ids, tags, context ids). */
    public org.agentrouter.intake.InputLimits limits = new org.agentrouter.intake.InputLimits();
    /**
     * Keys whose signatures the scorers require on every release and control that arrives; none (the default)
     * checks nothing, as before signing existed. The job's own key, when there is one, is in it for the judge's
     * rollbacks only.
     */
    public org.agentrouter.signing.TrustedModelKeys modelKeys = org.agentrouter.signing.TrustedModelKeys.none();
    /** Signs the rollout judge's rollbacks (the job's own key); null: they go unsigned. */
    public org.agentrouter.signing.ModelSigner judgeSigner = null;
    /** Traces of sampled queries (OpenTelemetry, OTLP): off unless an endpoint is configured here or on the TaskManagers. */
    public org.agentrouter.tracing.TracingSettings tracing = new org.agentrouter.tracing.TracingSettings();

    /** The in-memory index's settings from the fields above (the retrieval operator's, and offline tools' that retrieve as it does). */
    public org.agentrouter.memory.index.IndexSettings indexSettings() {
        return org.agentrouter.memory.index.IndexSettings.of(indexShortlistFactor).scanThreads(retrievalScanThreads)
                .coarseFactor(indexCoarseFactor);
    }

    public RouterConfig validate() {
        if (retrievalK < 1 || retrievalK > FeatureLayout.MAX_CANDIDATES) {
            throw new IllegalArgumentException("retrieval k must be in [1, " + FeatureLayout.MAX_CANDIDATES + "], got " + retrievalK);
        }
        if (!(defaultAlpha > 0 && defaultAlpha < 1)) {
            throw new IllegalArgumentException("default alpha must be in (0, 1), got " + defaultAlpha);
        }
        if (feedbackWindow < 1 || feedbackMinOutcomes < 1 || feedbackMinOutcomes > feedbackWindow) {
            throw new IllegalArgumentException("feedback window and minimum outcomes must be positive, the minimum at most the window; got "
                    + feedbackWindow + " and " + feedbackMinOutcomes);
        }
        if (indexShortlistFactor < 1 || indexCoarseFactor < 0 || maxIndexedMemories < 0 || recentQueryTtlMs < 0 || recentQueriesMax < 0
                || appliedFeedbackRetentionMs < 1 || appliedFeedbackMax < 0 || deleteMarkerRetentionMs < 1) {
            throw new IllegalArgumentException("memory settings must be non-negative (shortlist factor, feedback and"
                    + " delete marker retention >= 1)");
        }
        if (lexicalRefreshMs < 0) {
            throw new IllegalArgumentException("lexical refresh must be >= 0 ms, got " + lexicalRefreshMs);
        }
        if (lexicalK < 0 || lexicalK > 1024) {
            throw new IllegalArgumentException("lexical k must be in [0, 1024], got " + lexicalK);
        }
        if (sessionNeighbours < 0 || sessionNeighbours > org.agentrouter.features.FeatureLayout.MAX_CANDIDATES) {
            throw new IllegalArgumentException("session neighbours must be in [0, "
                    + org.agentrouter.features.FeatureLayout.MAX_CANDIDATES + "], got " + sessionNeighbours);
        }
        if (retrievalScanThreads < 1 || retrievalScanThreads > 64) {
            throw new IllegalArgumentException("retrieval scan threads must be in [1, 64], got " + retrievalScanThreads);
        }
        if (healthIntervalMs < 0) {
            throw new IllegalArgumentException("health interval must be >= 0 ms, got " + healthIntervalMs);
        }
        if (sideBufferTimeoutMs < -1) {
            throw new IllegalArgumentException("side buffer timeout must be >= 0 ms, or -1 for the job's; got " + sideBufferTimeoutMs);
        }
        rollout.validate();
        limits.validate();
        tracing.validate();
        if (modelKeys.enforced() && rollout.autoRollback && judgeSigner == null) {
            throw new IllegalArgumentException("trusted model keys are set but the rollout judge has no signing key: its"
                    + " automatic rollbacks would be refused (give the job a signing key, or turn automatic rollback off)");
        }
        org.agentrouter.embedding.MiniLmEmbedder.Variant.parse(embedder);
        if (learning && coldStart == null) {
            throw new IllegalArgumentException("learning per namespace needs learner settings (--cold-start bundled or a file, not strong)");
        }
        if (defaultRoute != null && pricing.indexOf(defaultRoute) < 0) {
            throw new IllegalArgumentException("default route " + defaultRoute + " is not in the pricing table");
        }
        return this;
    }

    public int defaultRouteIndex() {
        return defaultRoute == null ? pricing.strongest() : pricing.indexOf(defaultRoute);
    }
}
