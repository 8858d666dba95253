package org.agentrouter.training;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.C_CHEAP_OUTCOME;
import static org.agentrouter.features.FeatureLayout.C_PRESENT;
import static org.agentrouter.features.FeatureLayout.C_SIMILARITY;
import static org.agentrouter.features.FeatureLayout.C_STRONG_OUTCOME;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;

import ai.onnxruntime.OrtEnvironment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.agentrouter.calibration.RoutingLabels;
import org.agentrouter.calibration.SubjectFolds;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.eval.RoutingCurve;
import org.agentrouter.features.FeatureAssembler;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.scoring.OnnxScorer;

/**
 * The baseline study's protocols for trained routers: P1 (unseen subjects, the study's 6 subject folds)
 * and P2 (the study's random 5-fold split), with the same fold assignment as the study (made over every
 * row of the table, then restricted to the rows taking part). In each fold the test prompts retrieve
 * from the training prompts only; each training prompt retrieves from the other training prompts, and
 * under P1 never from its own subject, so the model learns from evidence shaped like what an unseen
 * subject gets at test time. Trained models are scored through their exported ONNX graph, exactly as the
 * job scores them; the seed and the kNN votes are scored on the very same candidate rows.
 */
public final class TrainingProtocol {
    public enum Protocol { P1, P2, NONE }

    /**
     * What the model learns to predict. LABEL: only the strong route answers well (the routing label,
     * what conformal calibration counts). GAIN: (strong - weak + 1) / 2 as a soft target, so sigmoid(logit)
     * estimates the expected gain of the strong route, the quantity APGR ranks by (it also counts the
     * prompts only the cheap route answers well, which the label treats like "both right").
     */
    public enum Target { LABEL, GAIN }

    public static final int P2_FOLDS = 5;

    /** One router on one fold's test prompts. */
    public record FoldScore(String router, int fold, int n, double apgr, double cpt50, double cpt80, double microsPerCall) {}

    private final OutcomeTable table;
    private final int[] tableRows;
    private final float[][] vectors;
    private final NeighbourIndex index;
    private final double goodAt;
    private final int k;
    private Target target = Target.LABEL;

    /**
     * @param tableRows the table rows taking part, in the order of {@code vectors}
     */
    public TrainingProtocol(OutcomeTable table, int[] tableRows, float[][] vectors, double goodAt, int k) {
        if (tableRows.length != vectors.length) throw new IllegalArgumentException(tableRows.length + " rows, " + vectors.length + " vectors");
        this.table = table;
        this.tableRows = tableRows;
        this.vectors = vectors;
        this.index = new NeighbourIndex(vectors);
        this.goodAt = goodAt;
        this.k = k;
    }

    public int size() {
        return tableRows.length;
    }

    public TrainingProtocol target(Target target) {
        this.target = target;
        return this;
    }

    /** Fold of each taking-part row (position), as the study assigns it. */
    public int[] folds(Protocol protocol, long seed) {
        int[] fold = new int[tableRows.length];
        switch (protocol) {
            case P1 -> {
                int[] ofSubject = SubjectFolds.assign(table, SubjectFolds.STUDY_FOLDS, seed);
                for (int p = 0; p < fold.length; p++) fold[p] = ofSubject[table.subjectIndex(tableRows[p])];
            }
            case P2 -> {
                // FoldPlan.randomFolds of the study: a seeded shuffle of all table rows, dealt round-robin.
                List<Integer> order = new ArrayList<>();
                for (int r = 0; r < table.size(); r++) order.add(r);
                Collections.shuffle(order, new Random(seed));
                int[] ofRow = new int[table.size()];
                for (int i = 0; i < ofRow.length; i++) ofRow[order.get(i)] = i % P2_FOLDS;
                for (int p = 0; p < fold.length; p++) fold[p] = ofRow[tableRows[p]];
            }
            case NONE -> { }
        }
        return fold;
    }

    public static int foldCount(Protocol protocol) {
        return switch (protocol) {
            case P1 -> SubjectFolds.STUDY_FOLDS;
            case P2 -> P2_FOLDS;
            case NONE -> 1;
        };
    }

    /**
     * Model inputs of {@code positions}, each from the neighbours {@code memoryOf} allows it, and each
     * prompt's query row (its embedding and text signals, as the job computes them).
     *
     * @param memoryOf position of a query -> which positions it may retrieve
     */
    public TrainingSet features(int[] positions, IntFunction<IntPredicate> memoryOf) {
        float[][] x = new float[positions.length][];
        float[][] queries = new float[positions.length][];
        float[] y = new float[positions.length];
        ThreadLocal<CandidateSet> scratch = ThreadLocal.withInitial(() -> new CandidateSet(MAX_CANDIDATES));
        IntStream.range(0, positions.length).parallel().forEach(i -> {
            int p = positions[i];
            float[] out = new float[TrainingSet.ROW_FLOATS];
            int found = CandidateFeatures.fill(table, tableRows, index.nearest(p, k, memoryOf.apply(p)), goodAt,
                    table.prompt(tableRows[p]), scratch.get(), out);
            x[i] = out;
            int row = tableRows[p];
            queries[i] = new float[QUERY_WIDTH];
            FeatureAssembler.query(vectors[p], table.prompt(row), found, queries[i]);
            double strongGood = table.strong(row) >= goodAt ? 1 : 0;
            double weakGood = table.weak(row) >= goodAt ? 1 : 0;
            y[i] = target == Target.GAIN ? (float) ((strongGood - weakGood + 1) / 2)
                    : RoutingLabels.label(table.weak(row), table.strong(row), goodAt);
        });
        return new TrainingSet(x, queries, y);
    }

    /** Memory visibility of a protocol's training prompts: the other training prompts, not the same subject under P1. */
    public IntFunction<IntPredicate> trainingMemory(Protocol protocol, boolean[] inTraining) {
        if (protocol == Protocol.P1) {
            return q -> {
                int subject = table.subjectIndex(tableRows[q]);
                return j -> inTraining[j] && table.subjectIndex(tableRows[j]) != subject;
            };
        }
        return q -> j -> inTraining[j];
    }

    public double[] weak(int[] positions) {
        return IntStream.of(positions).mapToDouble(p -> table.weak(tableRows[p])).toArray();
    }

    public double[] strong(int[] positions) {
        return IntStream.of(positions).mapToDouble(p -> table.strong(tableRows[p])).toArray();
    }

    /** kNN gain vote over the candidate rows: mean strong-minus-cheap outcome, uniform or weighted by similarity. */
    public static double[] knnGain(TrainingSet inputs, boolean similarityWeighted) {
        double[] scores = new double[inputs.size()];
        for (int i = 0; i < scores.length; i++) {
            float[] x = inputs.candidates()[i];
            double sum = 0;
            double weight = 0;
            for (int c = 0; c < MAX_CANDIDATES; c++) {
                int row = c * CANDIDATE_WIDTH;
                if (x[row + C_PRESENT] == 0f) continue;
                double w = similarityWeighted ? Math.max(x[row + C_SIMILARITY], 0) : 1;
                sum += w * (x[row + C_STRONG_OUTCOME] - x[row + C_CHEAP_OUTCOME]);
                weight += w;
            }
            scores[i] = weight > 0 ? sum / weight : 0;
        }
        return scores;
    }

    /** p_strong of each input through an ONNX model, as the job computes it; also the mean time per call. */
    public static OnnxScores scoreOnnx(byte[] model, TrainingSet inputs) throws Exception {
        double[] p = new double[inputs.size()];
        float[] relevance = new float[MAX_CANDIDATES];
        try (OnnxScorer scorer = new OnnxScorer(OrtEnvironment.getEnvironment(), model)) {
            scorer.dryRun();
            int warmup = Math.min(200, inputs.size());
            for (int i = 0; i < warmup; i++) scorer.score(inputs.candidates()[i], inputs.queries()[i], relevance);
            long start = System.nanoTime();
            for (int i = 0; i < p.length; i++) p[i] = scorer.score(inputs.candidates()[i], inputs.queries()[i], relevance);
            return new OnnxScores(p, (System.nanoTime() - start) / 1e3 / Math.max(1, p.length));
        }
    }

    public record OnnxScores(double[] pStrong, double microsPerCall) {}

    public static FoldScore score(String router, int fold, double[] scores, double[] weak, double[] strong, double micros) {
        RoutingCurve curve = RoutingCurve.evaluate(scores, weak, strong);
        return new FoldScore(router, fold, curve.n(), curve.apgr(), curve.cpt50(), curve.cpt80(), micros);
    }
}
