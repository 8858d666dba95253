package org.agentrouter.locomo;

import ai.onnxruntime.OrtEnvironment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.query.QueryContext;
import org.agentrouter.routing.RouteDecider;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelContractException;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.OnnxScorer;

/**
 * The context a router decision returns, measured against LoCoMo's evidence (./router eval-context). In process,
 * every step is the job's own code: the conversation imported into LiveMemoryIndex + LexicalIndex, each question
 * retrieved by HybridSearch with the job's features ({@link ContextCandidates}), scored by the release's ONNX graph
 * in one call, and its context picked by {@link RouteDecider#topContext}. Through the job the same ids come back in
 * routing-decisions (job module). Baselines rank the whole namespace: cosine, Lucene BM25, their RRF and a linear
 * fusion with the weight the study chose on held-out conversations ({@link #FUSION_WEIGHT}).
 */
public final class ContextEvaluation {
    /** Weight of cosine in the linear fusion baseline: chosen on training conversations in 4 of 5 LOCO folds (BENCHMARKS.md). */
    public static final double FUSION_WEIGHT = 0.6;

    private ContextEvaluation() {}

    /** The key of a question in results: conversation and question index (as in query ids through the job). */
    public static String key(LocomoMemories.Corpus corpus, LocomoData.Question q) {
        return corpus.conversation().id() + "-q" + q.index();
    }

    /** Each scored question's context (memory ids, best first; at most contextK), decided in process. */
    public static Map<String, List<String>> inProcess(List<LocomoMemories.Corpus> corpora, ModelRelease release, int contextK,
                                                      int lexicalK) throws ModelContractException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxScorer scorer = new OnnxScorer(env, ModelReleases.modelBytes(release))) {
            scorer.dryRun();
            float[] relevance = new float[FeatureLayout.MAX_CANDIDATES];
            for (LocomoMemories.Corpus corpus : corpora) {
                for (ContextCandidates.Row row : ContextCandidates.of(corpus, retrievalK(), lexicalK)) {
                    QueryContext q = new QueryContext();
                    q.candidateCount = row.size();
                    q.candidateIds = row.ids();
                    q.contextK = contextK;
                    q.score.pStrong = scorer.score(row.candidates(), row.query(), relevance);
                    q.score.relevance = relevance.clone();
                    List<String> ids = new ArrayList<>();
                    for (ContextItem item : RouteDecider.topContext(q)) ids.add(item.getMemoryId().toString());
                    out.put(key(corpus, row.question()), ids);
                }
            }
        }
        return out;
    }

    /** The job's default candidates per query (RouterConfig.retrievalK). */
    static int retrievalK() {
        return new org.agentrouter.flink.RouterConfig().retrievalK;
    }

    /** Metrics of decided contexts; a scored question without a context counts as all misses. */
    public static ContextMetrics measure(List<LocomoMemories.Corpus> corpora, Map<String, List<String>> contexts, int[] ks) {
        ContextMetrics m = new ContextMetrics(ks);
        for (LocomoMemories.Corpus corpus : corpora) {
            for (LocomoData.Question q : corpus.conversation().questions()) {
                if (!ContextCandidates.scored(q)) continue;
                m.add(q.category(), contexts.getOrDefault(key(corpus, q), List.of()), evidence(corpus, q));
            }
        }
        return m;
    }

    /** Baselines over the whole namespace, each list cut to contextK as a decision's context would be. */
    public static Map<String, ContextMetrics> baselines(List<LocomoMemories.Corpus> corpora, int[] ks, int contextK) {
        Map<String, ContextMetrics> out = new LinkedHashMap<>();
        for (String name : List.of(BaselineRankings.COSINE, BaselineRankings.BM25, BaselineRankings.RRF, BaselineRankings.LINEAR)) {
            out.put(name, new ContextMetrics(ks));
        }
        for (LocomoMemories.Corpus corpus : corpora) {
            for (BaselineRankings.Question q : BaselineRankings.of(corpus)) {
                for (Map.Entry<String, ContextMetrics> e : out.entrySet()) {
                    List<String> ranking = q.ranking(e.getKey(), FUSION_WEIGHT);
                    e.getValue().add(q.question().category(), ranking.subList(0, Math.min(contextK, ranking.size())),
                            evidence(corpus, q.question()));
                }
            }
        }
        return out;
    }

    public static Set<String> evidence(LocomoMemories.Corpus c, LocomoData.Question q) {
        Set<String> e = new java.util.HashSet<>();
        for (String id : q.evidence()) e.add(c.memoryId(id));
        return e;
    }

    /** recall_at, hit_at, mrr, ndcg10, questions, by_category: one result's JSON shape. */
    public static Map<String, Object> json(ContextMetrics m) {
        Map<String, Object> out = new LinkedHashMap<>(m.overall().toMap());
        Map<String, Object> byCategory = new LinkedHashMap<>();
        m.byCategory().forEach((c, f) -> byCategory.put(Integer.toString(c), f.toMap()));
        out.put("by_category", byCategory);
        return out;
    }
}
