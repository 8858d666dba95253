package org.agentrouter.flink;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agentrouter.features.CandidateRetriever;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemorySearch;
import org.agentrouter.memory.MemoryStore;
import org.agentrouter.memory.QuantizedIndex;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.QueryContext;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Top-k memory candidates of the query's namespace from the sqlite-vec store (one read-only
 * connection per task slot), turned into the scorer's feature rows. Keyed by namespace so that a
 * namespace is always served by the same subtask. When the store cannot answer, the query goes on
 * without memory context and says why: the router still decides.
 *
 * <p>Searches go through a {@link QuantizedIndex} (int8 copy in memory, exact rescoring in SQLite; same
 * top-k as exact search, see BENCHMARKS.md): open() loads the namespaces this subtask owns under Flink's
 * key-group assignment, so each subtask holds only its share; a namespace that appears later loads on its
 * first query, and new memories appear within the index's refresh interval.
 */
public class RetrievalFunction extends KeyedProcessFunction<String, QueryContext, QueryContext> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RetrievalFunction.class);
    /** How long to wait before trying to reopen a store that failed. */
    private static final long REOPEN_AFTER_MS = 10_000;

    private final String storePath;
    private final int k;
    private final CircuitBreaker.Settings breakerSettings;
    private final QuantizedIndex.Settings indexSettings;
    private transient CircuitBreaker breaker;

    private transient MemoryStore store;
    private transient QuantizedIndex index;
    /** Memories in this subtask's index (namespaces it owns and has loaded): the memoriesIndexed gauge. */
    private transient volatile long memoriesIndexed;
    private transient int queriesSinceCount;
    private transient long nextOpenAttemptMs;
    private transient String storeProblem;
    private transient CandidateRetriever retriever;
    private transient Histogram retrievalMicros;
    private transient Counter failures;

    public RetrievalFunction(String storePath, int k, CircuitBreaker.Settings breakerSettings) {
        this(storePath, k, breakerSettings, QuantizedIndex.Settings.DEFAULT);
    }

    public RetrievalFunction(String storePath, int k, CircuitBreaker.Settings breakerSettings,
                             QuantizedIndex.Settings indexSettings) {
        this.storePath = storePath;
        this.breakerSettings = breakerSettings;
        this.indexSettings = indexSettings;
        this.k = Math.min(k, FeatureLayout.MAX_CANDIDATES);
    }

    @Override
    public void open(OpenContext openContext) {
        var group = getRuntimeContext().getMetricGroup().addGroup("router");
        retrievalMicros = group.histogram("retrievalLatencyUs", new DescriptiveStatisticsHistogram(1024));
        failures = group.counter("retrievalFailures");
        breaker = new CircuitBreaker(breakerSettings);
        group.gauge("retrievalBreakerState", () -> breaker.stateCode());
        // Read by the reporter thread: a copy the task thread refreshes, never the index's own maps.
        group.gauge("memoriesIndexed", () -> memoriesIndexed);
        tryOpenStore();
    }

    private void tryOpenStore() {
        try {
            store = MemoryStore.openReadOnly(Path.of(storePath));
            index = QuantizedIndex.over(store, indexSettings);
            preloadOwnedNamespaces();
            memoriesIndexed = index.loadedMemories();
            retriever = new CandidateRetriever(index, k);
            storeProblem = null;
        } catch (RuntimeException e) {
            closeStore();
            retriever = new CandidateRetriever((MemorySearch) null, k);
            storeProblem = "memory store unavailable: " + e.getMessage();
            nextOpenAttemptMs = System.currentTimeMillis() + REOPEN_AFTER_MS;
            LOG.error("Cannot open the memory store {}: {}", storePath, e.getMessage());
        }
    }

    @Override
    public void processElement(QueryContext q, Context ctx, Collector<QueryContext> out) {
        if (store == null && System.currentTimeMillis() >= nextOpenAttemptMs) {
            tryOpenStore();
        }
        if (index != null && (++queriesSinceCount & 1023) == 0) memoriesIndexed = index.loadedMemories();
        if (q.probe != null) {
            if (index != null) memoriesIndexed = index.loadedMemories();
            q.probe.storeReachable = store != null;
            q.probe.storeProblem = storeProblem;
            q.probe.retrievalBreaker = breaker.state().name();
            out.collect(q);
            return;
        }
        q.candidateFeatures = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
        q.queryFeatures = new float[FeatureLayout.QUERY_WIDTH];
        CandidateSet found;
        long now = System.currentTimeMillis();
        if (store != null && !breaker.allow(now)) {
            q.retrievalNote = "retrieval circuit open";
            retriever.clearCandidates();
            found = retriever.assemble(q.embedding, q.text, q.tags, q.sessionId, q.eventTimeMs,
                    q.candidateFeatures, q.queryFeatures);
        } else if (store != null) {
            long start = System.nanoTime();
            try {
                found = retriever.retrieve(q.namespace, q.embedding, q.text, q.tags, q.sessionId, q.eventTimeMs,
                        null, q.candidateFeatures, q.queryFeatures);
                breaker.onSuccess();
                if (found.size() == 0) {
                    q.retrievalNote = "no memories in namespace " + q.namespace;
                }
            } catch (RuntimeException e) {
                failures.inc();
                breaker.onFailure(now);
                // The breaker decides when to stop asking a failing store; the connection stays open.
                q.retrievalNote = "retrieval failed: " + e.getMessage();
                q.retrievalFailed = true;
                retriever.clearCandidates();
                found = retriever.assemble(q.embedding, q.text, q.tags, q.sessionId, q.eventTimeMs,
                        q.candidateFeatures, q.queryFeatures);
            }
            retrievalMicros.update((System.nanoTime() - start) / 1_000);
        } else {
            q.retrievalNote = storeProblem;
            retriever.clearCandidates();
            found = retriever.assemble(q.embedding, q.text, q.tags, q.sessionId, q.eventTimeMs,
                    q.candidateFeatures, q.queryFeatures);
        }
        int n = Math.min(found.size(), FeatureLayout.MAX_CANDIDATES);
        q.candidateCount = n;
        q.candidateIds = new String[n];
        System.arraycopy(found.ids, 0, q.candidateIds, 0, n);
        out.collect(q);
    }

    /** Loads the namespaces whose key group this subtask owns, so their first queries do not wait for a load. */
    private void preloadOwnedNamespaces() {
        var task = getRuntimeContext().getTaskInfo();
        List<String> owned = new ArrayList<>();
        for (String ns : index.namespacesInStore()) {
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(ns, task.getMaxNumberOfParallelSubtasks(),
                    task.getNumberOfParallelSubtasks()) == task.getIndexOfThisSubtask()) {
                owned.add(ns);
            }
        }
        long start = System.nanoTime();
        index.preload(owned);
        LOG.info("Memory index of subtask {}: {} namespaces, {} memories, {} MB ({} int8 kernel) loaded in {} ms",
                task.getIndexOfThisSubtask(), owned.size(), index.loadedMemories(), index.heapBytes() >> 20,
                index.kernelName(), (System.nanoTime() - start) / 1_000_000);
    }

    private void closeStore() {
        if (index != null) {
            index.close();
            index = null;
        }
        if (store != null) {
            try {
                store.close();
            } catch (Exception e) {
                LOG.warn("Closing the memory store failed: {}", e.getMessage());
            }
            store = null;
        }
    }

    @Override
    public void close() {
        closeStore();
    }
}
