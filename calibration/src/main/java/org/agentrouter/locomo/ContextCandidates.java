package org.agentrouter.locomo;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.agentrouter.features.CandidateRetriever;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.index.HybridSearch;
import org.agentrouter.memory.lexical.LexicalIndex;
import org.agentrouter.memory.index.IndexSettings;
import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.MemoryRecord;

/**
 * Every question of a conversation as the job's retrieval sees it: the conversation imported into the job's own
 * indexes (LiveMemoryIndex + LexicalIndex, through HybridSearch), each question retrieved at the conversation's
 * as-of time through {@link CandidateRetriever}, so the candidate rows are exactly the scorer's input in the job.
 */
public final class ContextCandidates {
    /** Lexical hits fused per query by the job (RouterConfig's default; round 1 of the study used 64). */
    public static final int LEXICAL_K = new org.agentrouter.flink.RouterConfig().lexicalK;

    /** One question: its candidates' ids (by cosine) and model rows, and the evidence as memory ids. */
    public record Row(LocomoMemories.Corpus corpus, LocomoData.Question question, Set<String> evidence,
                      String[] ids, float[] candidates, float[] query, int size) {
        /** 1 per candidate that is evidence. */
        public float[] labels() {
            float[] y = new float[FeatureLayout.MAX_CANDIDATES];
            for (int i = 0; i < size; i++) y[i] = evidence.contains(ids[i]) ? 1f : 0f;
            return y;
        }
    }

    private ContextCandidates() {}

    /** Questions of categories 1-4 with evidence, retrieved with k candidates (k <= MAX_CANDIDATES). */
    public static List<Row> of(LocomoMemories.Corpus corpus, int k, int lexicalK) {
        return of(corpus, k, lexicalK, new org.agentrouter.flink.RouterConfig().sessionNeighbours);
    }

    /** The same with {@code sessionNeighbours} turns added around the best hits at most (the job's default above). */
    public static List<Row> of(LocomoMemories.Corpus corpus, int k, int lexicalK, int sessionNeighbours) {
        List<Row> rows = new ArrayList<>();
        try (LiveMemoryIndex index = new LiveMemoryIndex(IndexSettings.of(4)); LexicalIndex lexical = new LexicalIndex()) {
            for (MemoryRecord m : corpus.memories()) {
                index.upsert(m);
                lexical.upsert(corpus.namespace(), m.id, m.text, true);
            }
            CandidateRetriever retriever = new CandidateRetriever(
                    new HybridSearch(index, lexical, FeatureLayout.MAX_CANDIDATES, lexicalK, sessionNeighbours), k);
            long asOf = corpus.conversation().asOfMs();
            for (LocomoData.Question q : corpus.conversation().questions()) {
                if (!scored(q)) continue;
                Set<String> evidence = new HashSet<>();
                for (String e : q.evidence()) evidence.add(corpus.memoryId(e));
                float[] cand = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
                float[] qf = new float[FeatureLayout.QUERY_WIDTH];
                CandidateSet found = retriever.retrieve(corpus.namespace(), corpus.questionVectors()[q.index()], q.text(),
                        null, null, asOf, null, cand, qf);
                String[] ids = java.util.Arrays.copyOf(found.ids, found.size());
                rows.add(new Row(corpus, q, evidence, ids, cand, qf, found.size()));
            }
        }
        return rows;
    }

    /** Categories 1-4 with at least one valid evidence turn (category 5 is unanswerable: no evidence to find). */
    public static boolean scored(LocomoData.Question q) {
        return q.category() >= 1 && q.category() <= 4 && !q.evidence().isEmpty();
    }
}
