package org.agentrouter.calibration;

import java.nio.file.Path;
import org.agentrouter.features.CandidateRetriever;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.flink.RouterConfig;
import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.lexical.LexicalIndex;
import org.agentrouter.memory.store.MemoryStore;

/**
 * How offline scoring (calibrate, eval) retrieves a question's candidates from a memory store file.
 *
 * <p>{@link #job()}: as the job does, with its default k and lexical k: the namespace's memories loaded into the
 * job's in-memory index ({@link LiveMemoryIndex}, the job's settings) and lexical index ({@link LexicalIndex}, BM25),
 * searched through {@link CandidateRetriever#over} (dense + lexical by RRF). A release is calibrated on the
 * candidates it is served in the job. {@link #cosine(int)}: the exact cosine top k of the sqlite-vec store, what
 * calibrations before issue 18's round 2 were fitted on; kept to compare with them.
 *
 * @param cosineStore the sqlite-vec store's cosine top k instead of the job's indexes
 * @param lexicalK    BM25 hits fused per query on the job's path (0: its dense index alone)
 * @param sessionNeighbours turns next to the best hits added on the job's path (memories without a session, such as
 *                    the MMLU outcome memories, have none)
 */
public record OfflineRetrieval(boolean cosineStore, int k, int lexicalK, int sessionNeighbours) {
    public OfflineRetrieval {
        if (k < 1 || k > FeatureLayout.MAX_CANDIDATES) {
            throw new IllegalArgumentException("k must be in [1, " + FeatureLayout.MAX_CANDIDATES + "], got " + k);
        }
        if (lexicalK < 0) throw new IllegalArgumentException("lexical k must be >= 0, got " + lexicalK);
    }

    /** The job's retrieval at its defaults (RouterConfig's retrieval k and lexical k). */
    public static OfflineRetrieval job() {
        RouterConfig defaults = new RouterConfig();
        return new OfflineRetrieval(false, defaults.retrievalK, defaults.lexicalK, defaults.sessionNeighbours);
    }

    /** The sqlite-vec store's exact cosine top k (no lexical side). */
    public static OfflineRetrieval cosine(int k) {
        return new OfflineRetrieval(true, k, 0, 0);
    }

    public String describe() {
        return cosineStore ? "sqlite-vec cosine top " + k
                : lexicalK == 0 ? "the job's dense index, top " + k
                : "the job's hybrid retrieval (dense " + k + " + BM25 " + lexicalK + ", RRF, best " + k + ")";
    }

    /** The candidates of one namespace of the store at {@code db}, ready to search; close it after use. */
    public Opened open(Path db, String namespace) {
        if (cosineStore) {
            MemoryStore store = MemoryStore.openReadOnly(db);
            return new Opened(new CandidateRetriever(store, k), store);
        }
        LiveMemoryIndex dense = new LiveMemoryIndex(new RouterConfig().indexSettings());
        LexicalIndex lexical = lexicalK > 0 ? new LexicalIndex() : null;
        try (MemoryStore store = MemoryStore.openReadOnly(db)) {
            // As the retrieval operator loads a namespace from its state: every memory into both indexes.
            store.forEach(r -> {
                if (!namespace.equals(r.namespace)) return;
                dense.upsert(r);
                if (lexical != null) lexical.upsert(r.namespace, r.id, r.text, true);
            });
        } catch (RuntimeException e) {
            dense.close();
            if (lexical != null) lexical.close();
            throw e;
        }
        return new Opened(CandidateRetriever.over(dense, lexical, k, lexicalK, sessionNeighbours), dense, lexical);
    }

    /** A retriever and what it searches. */
    public static final class Opened implements AutoCloseable {
        private final CandidateRetriever retriever;
        private final AutoCloseable[] resources;

        Opened(CandidateRetriever retriever, AutoCloseable... resources) {
            this.retriever = retriever;
            this.resources = resources;
        }

        public CandidateRetriever retriever() {
            return retriever;
        }

        @Override
        public void close() throws Exception {
            for (AutoCloseable r : resources) if (r != null) r.close();
        }
    }
}
