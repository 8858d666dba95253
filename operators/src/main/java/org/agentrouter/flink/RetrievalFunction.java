package org.agentrouter.flink;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.agentrouter.features.CandidateRetriever;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.HybridSearch;
import org.agentrouter.memory.LexicalIndex;
import org.agentrouter.memory.LiveMemoryIndex;
import org.agentrouter.memory.MemoryMessages;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.wire.AvroWire;
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
 * and the query ids whose feedback was applied. The search runs on a {@link LiveMemoryIndex} built from
 * that state: a namespace is loaded into it on its first event after a start, restore or rescale, then kept
 * in step with every change, so a retrieval is an int8 scan, exact rescoring and feature assembly, with no
 * I/O.
 *
 * <p>Versions: a memory keeps its newest version by event time; an older version arriving later (a replay,
 * or this job reading back what it published) changes nothing, and a delete leaves a marker so an older
 * upsert does not bring the memory back. A marker only has to outlive the older copies that can still
 * arrive: ones in flight (a lagging writer, this job's own updates published at its next checkpoint) or
 * read late from the topic's head. So it is dropped {@link RouterConfig#deleteMarkerRetentionMs} after it
 * was set (default one day, agent-memories' {@code delete.retention.ms}), by a processing-time timer: how
 * long a copy can still be on its way is wall-clock time, and an event-time timer would wait for watermarks
 * that a compacted, mostly idle memory topic hardly advances. The timers are keyed state and so live in
 * every checkpoint; an overdue one fires right after a restore.
 *
 * <p>Feedback (once per query id): the memories in {@code context_ids_used} count one more use, their last
 * use time and running success mean change; the answered query becomes an episode memory {@code fb-<query
 * id>} with its outcome on the route it took, when its vector is still among the recent queries (kept for
 * {@link RouterConfig#recentQueryTtlMs}; feedback after that updates the statistics but adds no episode and
 * counts in {@code feedbackWithoutQuery}). Every changed memory also goes to {@link
 * RouterOutputs#MEMORY_UPDATES}, published to agent-memories, so a job started without a checkpoint still
 * has it.
 */
public class RetrievalFunction extends KeyedCoProcessFunction<String, QueryContext, MemoryEvent, QueryContext> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "retrieve";
    /** Stage of a memory change or feedback this operator failed to apply. */
    public static final String MEMORY_STAGE = "retrieve-memory";
    private static final Logger LOG = LoggerFactory.getLogger(RetrievalFunction.class);
    /** Prefix of the id of an episode made from feedback: {@code fb-<query id>}. */
    public static final String EPISODE_PREFIX = "fb-";
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
    /** Memory id -> event time of its delete (the marker: versions up to it lose). */
    private transient MapState<String, Long> deletedAt;
    /** Memory id -> processing time at which its marker goes (set again by every delete of it). */
    private transient MapState<String, Long> markerExpiry;
    private transient MapState<String, RecentQuery> recent;
    private transient ValueState<Integer> recentCount;
    private transient MapState<String, Long> applied;
    private transient ValueState<Integer> appliedCount;

    private transient LiveMemoryIndex index;
    /** BM25 over the texts of the same memories as {@link #index} (null when lexicalK = 0); loaded and kept with it. */
    private transient LexicalIndex lexical;
    private transient CircuitBreaker breaker;
    private transient CandidateRetriever retriever;
    private transient String strongestRoute;
    /** Memories held in state but left out of the index because it reached its budget. */
    private transient long notIndexed;
    private transient volatile long memoriesIndexed;
    private transient Histogram retrievalMicros;
    private transient Counter failures;
    private transient Counter internalErrors;
    /** Coarse passes that needed their fallback pass (LiveMemoryIndex#coarseFallbacks); the index's count last seen. */
    private transient Counter coarseFallbacks;
    private transient long coarseFallbacksSeen;
    private transient Counter feedbackApplied;
    private transient Counter feedbackDuplicates;
    private transient Counter feedbackWithoutQuery;
    private transient Counter episodesAdded;
    private transient Counter staleMemories;
    private transient Counter deleteMarkersSet;
    private transient Counter deleteMarkersDropped;

    public RetrievalFunction(RouterConfig config) {
        this.config = config;
        this.breakerSettings = config.retrievalBreaker;
        this.k = Math.min(config.retrievalK, FeatureLayout.MAX_CANDIDATES);
    }

    @Override
    public void open(OpenContext openContext) {
        memories = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("memories", Types.STRING,
                        org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        deletedAt = getRuntimeContext().getMapState(new MapStateDescriptor<>("deleted-at", Types.STRING, Types.LONG));
        markerExpiry = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("delete-marker-expiry", Types.STRING, Types.LONG));
        recent = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("recent-queries", Types.STRING, TypeInformation.of(RecentQuery.class)));
        recentCount = getRuntimeContext().getState(new ValueStateDescriptor<>("recent-queries-count", Types.INT));
        applied = getRuntimeContext().getMapState(new MapStateDescriptor<>("applied-feedback", Types.STRING, Types.LONG));
        appliedCount = getRuntimeContext().getState(new ValueStateDescriptor<>("applied-feedback-count", Types.INT));

        var group = getRuntimeContext().getMetricGroup().addGroup("router");
        retrievalMicros = group.histogram("retrievalLatencyUs", new DescriptiveStatisticsHistogram(1024));
        failures = group.counter("retrievalFailures");
        internalErrors = group.counter("internalErrors");
        coarseFallbacks = group.counter("retrievalCoarseFallbacks");
        feedbackApplied = group.counter("feedbackApplied");
        feedbackDuplicates = group.counter("feedbackDuplicates");
        feedbackWithoutQuery = group.counter("feedbackWithoutQuery");
        episodesAdded = group.counter("episodesAdded");
        staleMemories = group.counter("staleMemories");
        // Live markers = set - dropped (expired, or overtaken by a newer version). Two counters rather than a gauge: an exact live count would need a
        // pass over every namespace's state after each restore.
        deleteMarkersSet = group.counter("deleteMarkersSet");
        deleteMarkersDropped = group.counter("deleteMarkersDropped");
        breaker = new CircuitBreaker(breakerSettings);
        group.gauge("retrievalBreakerState", () -> breaker.stateCode());
        // Read by the reporter thread: a copy the task thread refreshes, never the index's own maps.
        group.gauge("memoriesIndexed", () -> memoriesIndexed);
        index = new LiveMemoryIndex(config.indexShortlistFactor, LiveMemoryIndex.FirstPass.INT4, config.retrievalScanThreads,
                config.indexCoarseFactor);
        lexical = config.lexicalK > 0 ? LexicalIndex.forJob(config.lexicalRefreshMs) : null;
        retriever = lexical == null ? new CandidateRetriever(index, k)
                : new CandidateRetriever(new HybridSearch(index, lexical, FeatureLayout.MAX_CANDIDATES, config.lexicalK), k);
        strongestRoute = config.pricing.tier(config.pricing.strongest()).route;
    }

    @Override
    public void close() throws Exception {
        if (index != null) {
            index.close(); // its scan threads, when configured
        }
        if (lexical != null) {
            lexical.close();
        }
        super.close();
    }

    // ------------------------------------------------------------------ queries

    @Override
    public void processElement1(QueryContext q, Context ctx, Collector<QueryContext> out) throws Exception {
        try {
            retrieve(q, ctx, out);
        } catch (RuntimeException e) {
            internalErrors.inc();
            ctx.output(RouterOutputs.DEAD_LETTERS, DeadLetters.internalError(q, STAGE, e));
        }
    }

    private void retrieve(QueryContext q, Context ctx, Collector<QueryContext> out) throws Exception {
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
        remember(q, ctx);
        out.collect(q);
    }

    /** Keeps the query's vector for its feedback (bounded: at most recentQueriesMax per namespace). */
    private void remember(QueryContext q, Context ctx) throws Exception {
        if (q.queryId == null || q.embedding == null || q.embedding.length != FeatureLayout.EMBEDDING_DIM
                || config.recentQueryTtlMs <= 0) {
            return;
        }
        Integer count = recentCount.value();
        int c = count == null ? 0 : count;
        if (c >= config.recentQueriesMax || recent.contains(q.queryId)) {
            return;
        }
        RecentQuery r = new RecentQuery();
        r.vector = bytes(q.embedding);
        r.text = q.text == null ? "" : q.text;
        r.sessionId = q.sessionId;
        r.tags = q.tags == null ? new String[0] : q.tags;
        r.seenAtMs = ctx.timerService().currentProcessingTime();
        recent.put(q.queryId, r);
        recentCount.update(c + 1);
        scheduleCleanup(ctx, r.seenAtMs + config.recentQueryTtlMs);
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
        switch (e.type) {
            case MemoryEvent.UPSERT -> upsert(e.memory);
            case MemoryEvent.DELETE -> delete(ns, e.memoryId, e.eventTimeMs, ctx);
            case MemoryEvent.FEEDBACK -> applyFeedback(ns, e, ctx);
            default -> LOG.warn("Unknown memory event type {} ignored", e.type);
        }
        memoriesIndexed = index.size();
    }

    private void upsert(MemoryRecord r) throws Exception {
        MemoryRecord current = current(r.namespace, r.id);
        Long deleted = deletedAt.get(r.id);
        if ((current != null && current.updatedAtMs > r.updatedAtMs) || (deleted != null && deleted > r.updatedAtMs)) {
            staleMemories.inc();
            return;
        }
        memories.put(r.id, encode(r));
        if (deleted != null) {
            deletedAt.remove(r.id);
            markerExpiry.remove(r.id);
            deleteMarkersDropped.inc();
        }
        addToIndex(r, current != null);
    }

    private void delete(String ns, String id, long atMs, Context ctx) throws Exception {
        MemoryRecord current = current(ns, id);
        if (current != null && current.updatedAtMs > atMs) {
            staleMemories.inc();
            return;
        }
        Long deleted = deletedAt.get(id);
        deletedAt.put(id, deleted == null ? atMs : Math.max(deleted, atMs));
        if (deleted == null) deleteMarkersSet.inc();
        // A repeated delete (the same record read again, or a newer one) restarts the retention: an older
        // copy may be on its way behind it too.
        long expiry = ctx.timerService().currentProcessingTime() + config.deleteMarkerRetentionMs;
        markerExpiry.put(id, expiry);
        scheduleCleanup(ctx, expiry);
        if (current != null) {
            memories.remove(id);
            boolean wasIndexed = index.delete(ns, id);
            if (!wasIndexed) notIndexed = Math.max(0, notIndexed - 1);
            if (lexical != null && wasIndexed) lexical.delete(ns, id, true);
        }
    }

    /** The memory as in state: the index's record when it holds it, else decoded from state; null when absent. */
    private MemoryRecord current(String ns, String id) throws Exception {
        MemoryRecord r = index.get(ns, id);
        if (r != null) return r;
        byte[] b = memories.get(id);
        return b == null ? null : decode(b);
    }

    private static byte[] encode(MemoryRecord r) {
        return AvroWire.MEMORY.encode(MemoryMessages.toMessage(r, r.updatedAtMs));
    }

    private static MemoryRecord decode(byte[] b) {
        try {
            return MemoryMessages.fromMessage(AvroWire.MEMORY.decode(b));
        } catch (Exception e) {
            throw new IllegalStateException("unreadable memory in state: " + e.getMessage(), e);
        }
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
            addToIndex(decode(b), false);
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

    // ------------------------------------------------------------------ feedback

    private void applyFeedback(String ns, MemoryEvent f, Context ctx) throws Exception {
        String episodeId = EPISODE_PREFIX + f.queryId;
        if (applied.contains(f.queryId) || memories.contains(episodeId)) {
            feedbackDuplicates.inc();
            return;
        }
        long now = ctx.timerService().currentProcessingTime();
        long at = f.eventTimeMs > 0 ? f.eventTimeMs : now;
        boolean strong = strongestRoute.equals(f.route);
        if (f.contextIds != null) {
            for (String id : f.contextIds) {
                MemoryRecord current = current(ns, id);
                if (current == null) continue; // deleted since, or not of this namespace
                MemoryRecord u = current.copy();
                float previous = Float.isNaN(u.successRate) ? Float.NaN : u.successRate;
                u.successRate = Float.isNaN(previous) ? f.outcome
                        : (previous * u.useCount + f.outcome) / (u.useCount + 1);
                u.useCount++;
                u.lastUsedAtMs = Math.max(u.lastUsedAtMs, at);
                u.updatedAtMs = Math.max(current.updatedAtMs + 1, now);
                byte[] bytes = encode(u);
                memories.put(id, bytes);
                addToIndex(u, true);
                ctx.output(RouterOutputs.MEMORY_UPDATES, new KafkaMessage(u.id, bytes));
            }
        }
        RecentQuery q = recent.get(f.queryId);
        if (q != null) {
            MemoryRecord m = new MemoryRecord();
            m.id = episodeId;
            m.namespace = ns;
            m.kind = MemoryRecord.EPISODE;
            m.text = q.text;
            m.sessionId = q.sessionId;
            m.createdAtMs = at;
            m.successRate = f.outcome;
            m.confidence = 1f;
            if (strong) m.strongOutcome = f.outcome;
            else m.cheapOutcome = f.outcome;
            m.tags = q.tags == null ? new String[0] : q.tags;
            m.sourceId = "feedback:" + f.queryId;
            m.embedding = floats(q.vector);
            m.updatedAtMs = now;
            byte[] bytes = encode(m);
            memories.put(m.id, bytes);
            addToIndex(m, false);
            recent.remove(f.queryId);
            Integer c = recentCount.value();
            recentCount.update(Math.max(0, (c == null ? 1 : c) - 1));
            episodesAdded.inc();
            ctx.output(RouterOutputs.MEMORY_UPDATES, new KafkaMessage(m.id, bytes));
        } else {
            feedbackWithoutQuery.inc();
        }
        Integer c = appliedCount.value();
        int count = c == null ? 0 : c;
        if (count < config.appliedFeedbackMax) {
            applied.put(f.queryId, now);
            appliedCount.update(count + 1);
            scheduleCleanup(ctx, now + config.appliedFeedbackRetentionMs);
        } else {
            LOG.warn("Namespace {}: {} applied feedback ids kept already; {} is not remembered", ns, count, f.queryId);
        }
        feedbackApplied.inc();
    }

    /** float32 little-endian, as on agent-memories. */
    static byte[] bytes(float[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(v.length * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    static float[] floats(byte[] b) {
        float[] v = new float[b.length / Float.BYTES];
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v);
        return v;
    }

    // ------------------------------------------------------------------ cleanup

    private void scheduleCleanup(Context ctx, long at) {
        long rounded = (at / TIMER_GRANULARITY_MS + 1) * TIMER_GRANULARITY_MS;
        ctx.timerService().registerProcessingTimeTimer(rounded);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<QueryContext> out) throws Exception {
        int removed = 0;
        for (Iterator<Map.Entry<String, RecentQuery>> it = recent.iterator(); it.hasNext(); ) {
            if (it.next().getValue().seenAtMs + config.recentQueryTtlMs <= timestamp) {
                it.remove();
                removed++;
            }
        }
        if (removed > 0) {
            Integer c = recentCount.value();
            recentCount.update(Math.max(0, (c == null ? 0 : c) - removed));
        }
        removed = 0;
        for (Iterator<Map.Entry<String, Long>> it = applied.iterator(); it.hasNext(); ) {
            if (it.next().getValue() + config.appliedFeedbackRetentionMs <= timestamp) {
                it.remove();
                removed++;
            }
        }
        if (removed > 0) {
            Integer c = appliedCount.value();
            appliedCount.update(Math.max(0, (c == null ? 0 : c) - removed));
        }
        expireDeleteMarkers(timestamp);
    }

    private void expireDeleteMarkers(long now) throws Exception {
        List<String> expired = new ArrayList<>();
        for (Map.Entry<String, Long> e : markerExpiry.entries()) {
            if (e.getValue() <= now) expired.add(e.getKey());
        }
        // MapState.remove rather than the iterator's: the heap backend drops a namespace's map entry only
        // when remove() empties it, so state really shrinks.
        for (String id : expired) {
            deletedAt.remove(id);
            markerExpiry.remove(id);
            deleteMarkersDropped.inc();
        }
    }
}
