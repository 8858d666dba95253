package org.agentrouter.flink;

import java.nio.file.Path;
import org.agentrouter.features.FeatureAssembler;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryStore;
import org.agentrouter.routing.QueryContext;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Top-k memory candidates of the query's namespace from the sqlite-vec store (one read-only
 * connection per task slot), turned into the scorer's feature rows. Keyed by namespace so that a
 * namespace is always served by the same subtask. When the store cannot answer, the query goes on
 * without memory context and says why: the router still decides.
 */
public class RetrievalFunction extends KeyedProcessFunction<String, QueryContext, QueryContext> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RetrievalFunction.class);
    /** How long to wait before trying to reopen a store that failed. */
    private static final long REOPEN_AFTER_MS = 10_000;

    private final String storePath;
    private final int k;

    private transient MemoryStore store;
    private transient long nextOpenAttemptMs;
    private transient String storeProblem;
    private transient CandidateSet candidates;
    private transient Histogram retrievalMicros;
    private transient Counter failures;

    public RetrievalFunction(String storePath, int k) {
        this.storePath = storePath;
        this.k = Math.min(k, FeatureLayout.MAX_CANDIDATES);
    }

    @Override
    public void open(OpenContext openContext) {
        candidates = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
        var group = getRuntimeContext().getMetricGroup().addGroup("router");
        retrievalMicros = group.histogram("retrievalLatencyUs", new DescriptiveStatisticsHistogram(1024));
        failures = group.counter("retrievalFailures");
        tryOpenStore();
    }

    private void tryOpenStore() {
        try {
            store = MemoryStore.openReadOnly(Path.of(storePath));
            storeProblem = null;
        } catch (RuntimeException e) {
            store = null;
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
        candidates.clear();
        if (store != null) {
            long start = System.nanoTime();
            try {
                store.topK(q.namespace, q.embedding, k, null, candidates);
                if (candidates.size() == 0) {
                    q.retrievalNote = "no memories in namespace " + q.namespace;
                }
            } catch (RuntimeException e) {
                failures.inc();
                candidates.clear();
                q.retrievalNote = "retrieval failed: " + e.getMessage();
                closeStore();
                nextOpenAttemptMs = System.currentTimeMillis() + REOPEN_AFTER_MS;
            }
            retrievalMicros.update((System.nanoTime() - start) / 1_000);
        } else {
            q.retrievalNote = storeProblem;
        }
        int n = candidates.size();
        q.candidateCount = n;
        q.candidateIds = new String[n];
        System.arraycopy(candidates.ids, 0, q.candidateIds, 0, n);
        q.candidateFeatures = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
        FeatureAssembler.candidates(candidates, q.eventTimeMs, q.tags, q.sessionId, q.candidateFeatures);
        q.queryFeatures = new float[FeatureLayout.QUERY_WIDTH];
        FeatureAssembler.query(q.embedding, q.text, n, q.queryFeatures);
        out.collect(q);
    }

    private void closeStore() {
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
