package org.agentrouter.calibration;

import org.agentrouter.progress.Progress;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;
import java.util.function.IntPredicate;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.features.CandidateRetriever;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.scoring.OnnxScorer;

/**
 * Scores held-out questions exactly as the job does: the same retrieval ({@link OfflineRetrieval#job()}: the job's
 * indexes loaded from a memory store file), the same feature assembly ({@link CandidateRetriever}) and the same ONNX
 * scorer.
 */
public final class OfflineScoring {
    private OfflineScoring() {}

    /** Cosine similarity at which a memory is taken to be the question itself (same text, same vector). */
    public static final float SELF_MATCH = 0.9999f;

    /** p_strong, label and table row of each scored question, in table order. */
    public record Scored(double[] pStrong, int[] labels, int[] rows) {
        public int size() {
            return rows.length;
        }
    }

    public static Scored score(OutcomeTable table, float[][] vectors, Path memoryDb, String namespace, byte[] onnxModel,
                               OfflineRetrieval retrieval, double goodAt, IntPredicate include) throws Exception {
        int n = 0;
        for (int i = 0; i < table.size(); i++) if (include.test(i)) n++;
        double[] p = new double[n];
        int[] labels = new int[n];
        int[] rows = new int[n];
        float[] candidates = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
        float[] query = new float[FeatureLayout.QUERY_WIDTH];
        float[] relevance = new float[FeatureLayout.MAX_CANDIDATES];
        String[] noTags = new String[0];
        try (OfflineRetrieval.Opened memory = retrieval.open(memoryDb, namespace);
             OnnxScorer scorer = new OnnxScorer(OrtEnvironment.getEnvironment(), onnxModel);
             Progress bar = Progress.start("routing held-out questions", n, "questions")) {
            CandidateRetriever retriever = memory.retriever();
            int j = 0;
            for (int i = 0; i < table.size(); i++) {
                if (!include.test(i)) continue;
                CandidateSet found = retriever.retrieve(namespace, vectors[i], table.prompt(i), noTags, null,
                        OutcomeMemory.REFERENCE_TIME_MS, null, candidates, query);
                if (found.removeSimilarAtLeast(SELF_MATCH) > 0) {
                    // The question itself is in memory: its own outcome must not inform its route.
                    retriever.assemble(vectors[i], table.prompt(i), noTags, null, OutcomeMemory.REFERENCE_TIME_MS,
                            candidates, query);
                }
                p[j] = scorer.score(candidates, query, relevance);
                labels[j] = RoutingLabels.label(table.weak(i), table.strong(i), goodAt);
                rows[j] = i;
                j++;
                bar.step();
            }
        }
        return new Scored(p, labels, rows);
    }
}
