package org.agentrouter.flink;

import java.util.Iterator;
import java.util.Map;
import java.util.function.Predicate;
import org.agentrouter.features.CandidateRetriever;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.index.HybridSearch;
import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.lexical.LexicalIndex;
import org.agentrouter.memory.MemoryLedger;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.query.QueryContext;
import org.agentrouter.tracing.StageAttributes;
import org.agentrouter.tracing.StageTracer;
import io.opentelemetry.api.trace.Span;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory of the router and its retrieval, keyed by namespace: input 1 are the queries, input 2 the
 * changes of the namespace's memories (upserts and deletes from agent-memories, outcomes from
 * routing-feedback). Both inputs are keyed by namespace, so a namespace's memories, its queries and its
 * feedback meet in one subtask, which is the only writer of that namespace.
 *
 * <p>State (per namespace, checkpointed, redistributed by Flink on rescale): the memories by id (the source
 * of truth), delete markers with their time, the recent queries (vector, text, session, tags; for feedback)
 * and the query ids whose feedback was applied. What a change does to it (newest version wins, delete markers,
 * feedback into use statistics and episodes) is {@link MemoryLedger}'s; this operator adapts keyed state to it,
 * times its cleanups and publishes the memories it changes ({@link RouterOutputs#MEMORY_UPDATES}, to agent-memories).
 *
 * <p>The search runs on a {@link LiveMemoryIndex} built from that state: a namespace is loaded into it on its
 * first event after a start, restore or rescale, then kept in step with every change, so a retrieval is an int4
 * scan, exact rescoring and feature assembly, with no I/O. Beside it, unless {@code --lexical-k} is 0, a
 * {@link LexicalIndex} of the same memories' texts (BM25), loaded and kept in step with it; {@link HybridSearch}
 * fuses both sides' candidates.
 *
 * <p>Cleanups (expired recent queries, applied feedback ids, delete markers) run on processing-time timers: how
 * long a copy of a deleted memory can still be on its way is wall-clock time, and an event-time timer would wait
 * for watermarks that a compacted, mostly idle memory topic hardly advances. The timers are keyed state and so
 * live in every checkpoint; an overdue one fires right after a restore.
 *
 * <p>The state descriptors' names and types, and {@link RecentQuery}'s class, are in every savepoint: they stay.
 */
public class MemoryRetriever extends KeyedCoProcessFunction<String, QueryContext, MemoryEvent, QueryContext> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "retrieve";
    /** Stage of a memory change or feedback this operator failed to apply. */
    public static final String MEMORY_STAGE = "retrieve-memory";
    private static final Logger LOG = LoggerFactory.getLogger(MemoryRetriever.class);
    /** Prefix of the id of an episode made from feedback: {@code fb-<query id>}. */
    public static final String EPISODE_PREFIX = MemoryLedger.EPISODE_PREFIX;
    /** Cleanup timers are rounded up to this, so a namespace has at most one per second. */
    private static final long TIMER_GRANULARITY_MS = 1_000;

    private final int k;
    private final CircuitBreaker.Settings breakerSettings;
    private final RouterConfig config;

    /**
     * Memory id -> the memory as its agent-memories record (Avro bytes). One byte array per memory rather than
     * a POJO with a float[]: Flink's heap backend restores a float[] float by float from an unbuffered stream
     * (minutes for 100k memories), a byte[] in one read.
     */
    private transient MapState<String, byte[]> memories;
    private transient MemoryLedger.State ledgerState;
    private transient MemoryLedger ledger;
    private transient LedgerEffects effects;

    private transient LiveMemoryIndex index;
    /** BM25 over the texts of the same memories as {@link #index} (null when lexicalK = 0); loaded and kept with it. */
    private transient LexicalIndex lexical;
    private transient CircuitBreaker breaker;
    private transient CandidateRetriever retriever;
    /** Memories held in state but left out of the index because it reached its budget. */
    private transient long notIndexed;
    private transient volatile long memoriesIndexed;
    private transient Histogram retrievalMicros;
    private transient Counter failures;
    private transient Counter internalErrors;
    /** Coarse passes that needed their fallback pass (LiveMemoryIndex#coarseFallbacks); the index's count last seen. */
    private transient Counter coarseFallbacks;
    private transient long coarseFallbacksSeen;
    /** Null when tracing is off. */
    private transient StageTracer tracer;
    /** The per-namespace learner (its keyed state and metrics); null when learning is off. */
    private transient NamespaceLearning learning;
    private transient String strongestRoute;

    public MemoryRetriever(RouterConfig config) {
        this.config = config;
        this.breakerSettings = config.retrievalBreaker;
        this.k = Math.min(config.retrievalK, FeatureLayout.MAX_CANDIDATES);
    }

    @Override
    public void open(OpenContext openContext) {
        memories = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("memories", Types.STRING,
                        org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        MapState<String, Long> deletedAt = getRuntimeContext().getMapState(new MapStateDescriptor<>("deleted-at", Types.STRING, Types.LONG));
        MapState<String, Long> markerExpiry = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("delete-marker-expiry", Types.STRING, Types.LONG));
        MapState<String, RecentQuery> recent = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("recent-queries", Types.STRING, TypeInformation.of(RecentQuery.class)));
        ValueState<Integer> recentCount = getRuntimeContext().getState(new ValueStateDescriptor<>("recent-queries-count", Types.INT));
        MapState<String, Long> applied = getRuntimeContext().getMapState(new MapStateDescriptor<>("applied-feedback", Types.STRING, Types.LONG));
        ValueState<Integer> appliedCount = getRuntimeContext().getState(new ValueStateDescriptor<>("applied-feedback-count", Types.INT));
        ledgerState = new MemoryLedger.State(table(memories), table(deletedAt), table(markerExpiry), recentQueries(recent),
                tally(recentCount), table(applied), tally(appliedCount));

        var group = getRuntimeContext().getMetricGroup().addGroup("router");
        retrievalMicros = group.histogram("retrievalLatencyUs", new DescriptiveStatisticsHistogram(1024));
        failures = group.counter("retrievalFailures");
        internalErrors = group.counter("internalErrors");
        coarseFallbacks = group.counter("retrievalCoarseFallbacks");
        ledger = new MemoryLedger(new MemoryLedger.Settings(config.recentQueryTtlMs, config.recentQueriesMax,
                config.appliedFeedbackRetentionMs, config.appliedFeedbackMax, config.deleteMarkerRetentionMs,
                config.pricing.tier(config.pricing.strongest()).route), ledgerCounts(group));
        effects = new LedgerEffects();
        breaker = new CircuitBreaker(breakerSettings);
        group.gauge("retrievalBreakerState", () -> breaker.stateCode());
        // Read by the reporter thread: a copy the task thread refreshes, never the index's own maps.
        group.gauge("memoriesIndexed", () -> memoriesIndexed);
        index = new LiveMemoryIndex(config.indexSettings());
        lexical = config.lexicalK > 0 ? LexicalIndex.forJob(config.lexicalRefreshMs) : null;
        retriever = CandidateRetriever.over(index, lexical, k, config.lexicalK, config.sessionNeighbours);
        tracer = StageTracer.open(config.tracing, STAGE, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), System.getenv());
        strongestRoute = config.pricing.tier(config.pricing.strongest()).route;
        NamespaceLearning.Metrics learnerMetrics = new NamespaceLearning.Metrics(group);
        learning = config.learning ? new NamespaceLearning(config.coldStart, config.defaultAlpha, getRuntimeContext(), learnerMetrics) : null;
    }

    /** The ledger's counts as this operator's metrics (names as before the ledger had its own class). */
    private static MemoryLedger.Counts ledgerCounts(org.apache.flink.metrics.MetricGroup group) {
        Counter feedbackApplied = group.counter("feedbackApplied");
        Counter feedbackDuplicates = group.counter("feedbackDuplicates");
        Counter feedbackWithoutQuery = group.counter("feedbackWithoutQuery");
        Counter episodesAdded = group.counter("episodesAdded");
        Counter staleMemories = group.counter("staleMemories");
        // Live markers = set - dropped (expired, or overtaken by a newer version). Two counters rather than a gauge: an exact live count would need a
        // pass over every namespace's state after each restore.
        Counter deleteMarkersSet = group.counter("deleteMarkersSet");
        Counter deleteMarkersDropped = group.counter("deleteMarkersDropped");
        return new MemoryLedger.Counts() {
            public void stale() { staleMemories.inc(); }
            public void markerSet() { deleteMarkersSet.inc(); }
            public void markerDropped() { deleteMarkersDropped.inc(); }
            public void feedbackApplied() { feedbackApplied.inc(); }
            public void feedbackDuplicate() { feedbackDuplicates.inc(); }
            public void feedbackWithoutQuery() { feedbackWithoutQuery.inc(); }
            public void episodeAdded() { episodesAdded.inc(); }
        };
    }

    @Override
    public void close() throws Exception {
        if (index != null) {
            index.close(); // its scan threads, when configured
        }
        if (lexical != null) {
            lexical.close();
        }
        if (tracer != null) tracer.close();
        super.close();
    }

    // ------------------------------------------------------------------ queries

    @Override
    public void processElement1(QueryContext q, Context ctx, Collector<QueryContext> out) throws Exception {
        Span span = q.traced && tracer != null ? tracer.startStage(STAGE, q.traceparent, q.tracestate) : null;
        try {
            retrieve(q, ctx, out, span);
        } catch (RuntimeException e) {
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS, DeadLetters.internalError(q, STAGE, e));
            if (span != null) {
                StageTracer.fail(span, "PROCESSING_ERROR", e.toString());
                span.end();
            }
        }
    }

    private void retrieve(QueryContext q, Context ctx, Collector<QueryContext> out, Span span) throws Exception {
        if (q.probe != null) {
            memoriesIndexed = index.size();
            q.probe.storeReachable = notIndexed == 0;
            q.probe.storeProblem = notIndexed == 0 ? null : indexFullNote();
            q.probe.retrievalBreaker = breaker.state().name();
            out.collect(q);
            return;
        }
        q.candidateFeatures = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
        q.queryFeatures = new float[FeatureLayout.QUERY_WIDTH];
        CandidateSet found;
        long now = System.currentTimeMillis();
        if (!breaker.allow(now)) {
            q.retrievalNote = "retrieval circuit open";
            retriever.clearCandidates();
            found = retriever.assemble(q.embedding, q.text, q.tags, q.sessionId, q.eventTimeMs,
                    q.candidateFeatures, q.queryFeatures);
        } else {
            long start = System.nanoTime();
            try {
                ensureLoaded(ctx.getCurrentKey());
                found = retriever.retrieve(q.namespace, q.embedding, q.text, q.tags, q.sessionId, q.eventTimeMs,
                        null, q.candidateFeatures, q.queryFeatures);
                breaker.onSuccess();
                if (found.size() == 0) {
                    q.retrievalNote = "no memories in namespace " + q.namespace;
                }
            } catch (Exception e) {
                failures.inc();
                breaker.onFailure(now);
                q.retrievalNote = "retrieval failed: " + e.getMessage();
                q.retrievalFailed = true;
                retriever.clearCandidates();
                found = retriever.assemble(q.embedding, q.text, q.tags, q.sessionId, q.eventTimeMs,
                        q.candidateFeatures, q.queryFeatures);
            }
            retrievalMicros.update((System.nanoTime() - start) / 1_000);
            long fallbacks = index.coarseFallbacks();
            if (fallbacks != coarseFallbacksSeen) {
                coarseFallbacks.inc(fallbacks - coarseFallbacksSeen);
                coarseFallbacksSeen = fallbacks;
            }
        }
        if (notIndexed > 0 && q.retrievalNote == null) {
            q.retrievalNote = indexFullNote();
        }
        int n = Math.min(found.size(), FeatureLayout.MAX_CANDIDATES);
        q.candidateCount = n;
        q.candidateIds = new String[n];
        System.arraycopy(found.ids, 0, q.candidateIds, 0, n);
        if (learning != null) learning.decide(q);
        // Keeps the query's vector for its feedback.
        ledger.rememberQuery(ledgerState, q.queryId, q.embedding, q.text, q.sessionId, q.tags,
                ctx.timerService().currentProcessingTime(), effects.at(ctx));
        if (span != null) {
            // Ended before the hand-over: a chained scorer runs inside collect().
            span.setAttribute(StageAttributes.NAMESPACE, q.namespace);
            span.setAttribute(StageAttributes.CANDIDATES, n);
            span.setAttribute(StageAttributes.RETRIEVAL_BREAKER, breaker.state().name());
            if (q.retrievalNote != null) span.setAttribute(StageAttributes.RETRIEVAL_NOTE, q.retrievalNote);
            if (q.retrievalFailed) StageTracer.fail(span, "retrieval_failed", q.retrievalNote);
            span.end();
        }
        out.collect(q);
    }

    // ------------------------------------------------------------------ memory changes

    @Override
    public void processElement2(MemoryEvent e, Context ctx, Collector<QueryContext> out) throws Exception {
        try {
            apply(e, ctx);
        } catch (RuntimeException failure) {
            internalErrors.inc();
            String id = e.type == MemoryEvent.FEEDBACK ? e.queryId : e.memoryId;
            ctx.output(RouterOutputs.DEAD_LETTERS,
                    DeadLetters.internalError(null, null, -1, -1, id, MEMORY_STAGE, failure));
        }
    }

    private void apply(MemoryEvent e, Context ctx) throws Exception {
        String ns = ctx.getCurrentKey();
        ensureLoaded(ns);
        LedgerEffects fx = effects.at(ctx);
        switch (e.type) {
            case MemoryEvent.UPSERT -> ledger.upsert(ledgerState, e.memory, fx);
            case MemoryEvent.DELETE -> ledger.delete(ledgerState, ns, e.memoryId, e.eventTimeMs,
                    ctx.timerService().currentProcessingTime(), fx);
            case MemoryEvent.FEEDBACK -> {
                // Learned before the ledger publishes the episode: whoever sees the episode knows the outcome counts.
                if (learning != null && !ledger.applied(ledgerState, e.queryId)) {
                    learning.learn(strongestRoute.equals(e.route), e.outcome, e.probeOutcome);
                }
                ledger.feedback(ledgerState, ns, e.queryId, e.route, e.outcome, e.contextIds,
                    e.eventTimeMs, ctx.timerService().currentProcessingTime(), fx);
            }
            default -> LOG.warn("Unknown memory event type {} ignored", e.type);
        }
        memoriesIndexed = index.size();
    }

    private void addToIndex(MemoryRecord r, boolean replacing) {
        MemoryRecord old = index.get(r.namespace, r.id);
        if ((replacing && old != null) || index.size() < config.maxIndexedMemories) {
            index.upsert(r);
            // Feedback changes a memory's statistics, not its text: the lexical index is touched only for new text.
            if (lexical != null && (old == null || !java.util.Objects.equals(old.text, r.text))) {
                lexical.upsert(r.namespace, r.id, r.text, old == null);
            }
        } else {
            notIndexed++;
        }
    }

    private String indexFullNote() {
        return "memory index full: " + notIndexed + " memories of this subtask are not searchable (budget "
                + config.maxIndexedMemories + " per subtask)";
    }

    /** Builds the namespace's index from state when this subtask has not done so since it started. */
    private void ensureLoaded(String ns) throws Exception {
        if (index.has(ns)) return;
        long start = System.nanoTime();
        int n = 0;
        for (byte[] b : memories.values()) {
            addToIndex(MemoryLedger.decode(b), false);
            n++;
        }
        if (n > 0) {
            index.open(ns); // an unknown namespace (bad input) must not grow the index
            if (lexical != null) lexical.open(ns);
        }
        memoriesIndexed = index.size();
        if (n > 0) {
            LOG.info("Memory index: namespace {} rebuilt from state, {} memories in {} ms", ns, n,
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    /** The ledger's effects here: the index with its budget, agent-memories, this subtask's timers. One instance, re-aimed per call. */
    private final class LedgerEffects implements MemoryLedger.Effects {
        private Context ctx;

        LedgerEffects at(Context ctx) {
            this.ctx = ctx;
            return this;
        }

        public MemoryRecord indexed(String namespace, String id) {
            return index.get(namespace, id);
        }

        public void index(MemoryRecord r, boolean replacing) {
            addToIndex(r, replacing);
        }

        public void unindex(String namespace, String id) {
            boolean wasIndexed = index.delete(namespace, id);
            if (!wasIndexed) notIndexed = Math.max(0, notIndexed - 1);
            if (lexical != null && wasIndexed) lexical.delete(namespace, id, true);
        }

        public void publish(String id, byte[] record) {
            ctx.output(RouterOutputs.MEMORY_UPDATES, new KafkaMessage(id, record));
        }

        public void wakeAt(long atMs) {
            long rounded = (atMs / TIMER_GRANULARITY_MS + 1) * TIMER_GRANULARITY_MS;
            ctx.timerService().registerProcessingTimeTimer(rounded);
        }
    }

    // ------------------------------------------------------------------ cleanup

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<QueryContext> out) throws Exception {
        ledger.expire(ledgerState, timestamp);
    }

    // ------------------------------------------------------------------ keyed state as the ledger's tables

    private static <V> MemoryLedger.Table<V> table(MapState<String, V> state) {
        return new MemoryLedger.Table<>() {
            public V get(String key) throws Exception { return state.get(key); }
            public void put(String key, V value) throws Exception { state.put(key, value); }
            public void remove(String key) throws Exception { state.remove(key); }
            public boolean contains(String key) throws Exception { return state.contains(key); }
            public Iterable<Map.Entry<String, V>> entries() throws Exception { return state.entries(); }
            public Iterable<V> values() throws Exception { return state.values(); }
            public int removeWhere(Predicate<V> match) throws Exception {
                int removed = 0;
                for (Iterator<Map.Entry<String, V>> it = state.iterator(); it.hasNext(); ) {
                    if (match.test(it.next().getValue())) {
                        it.remove();
                        removed++;
                    }
                }
                return removed;
            }
        };
    }

    private static MemoryLedger.Tally tally(ValueState<Integer> state) {
        return new MemoryLedger.Tally() {
            public int get() throws Exception {
                Integer v = state.value();
                return v == null ? 0 : v;
            }

            public void set(int value) throws Exception {
                state.update(value);
            }
        };
    }

    /** Recent queries stay {@link RecentQuery} POJOs in state (their class is in savepoints); the ledger sees records. */
    private static MemoryLedger.Table<MemoryLedger.PendingQuery> recentQueries(MapState<String, RecentQuery> state) {
        MemoryLedger.Table<RecentQuery> pojos = table(state);
        return new MemoryLedger.Table<>() {
            public MemoryLedger.PendingQuery get(String key) throws Exception { return pending(state.get(key)); }
            public void put(String key, MemoryLedger.PendingQuery q) throws Exception { state.put(key, pojo(q)); }
            public void remove(String key) throws Exception { state.remove(key); }
            public boolean contains(String key) throws Exception { return state.contains(key); }
            public Iterable<Map.Entry<String, MemoryLedger.PendingQuery>> entries() throws Exception {
                java.util.List<Map.Entry<String, MemoryLedger.PendingQuery>> all = new java.util.ArrayList<>();
                for (Map.Entry<String, RecentQuery> e : state.entries()) all.add(Map.entry(e.getKey(), pending(e.getValue())));
                return all;
            }
            public Iterable<MemoryLedger.PendingQuery> values() throws Exception {
                java.util.List<MemoryLedger.PendingQuery> all = new java.util.ArrayList<>();
                for (RecentQuery r : state.values()) all.add(pending(r));
                return all;
            }
            public int removeWhere(Predicate<MemoryLedger.PendingQuery> match) throws Exception {
                return pojos.removeWhere(r -> match.test(pending(r)));
            }
        };
    }

    private static MemoryLedger.PendingQuery pending(RecentQuery r) {
        return r == null ? null : new MemoryLedger.PendingQuery(r.vector, r.text, r.sessionId, r.tags, r.seenAtMs);
    }

    private static RecentQuery pojo(MemoryLedger.PendingQuery q) {
        RecentQuery r = new RecentQuery();
        r.vector = q.vector();
        r.text = q.text();
        r.sessionId = q.sessionId();
        r.tags = q.tags();
        r.seenAtMs = q.seenAtMs();
        return r;
    }
}
