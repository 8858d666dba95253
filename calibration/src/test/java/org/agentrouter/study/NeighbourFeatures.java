package org.agentrouter.study;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Builds the stacking features of a split: what the retrieved neighbours say (gain votes at several
 * depths and temperatures, their weak and strong accuracy, how similar they are, the priors of their
 * subjects), the prompt's surface features, and out-of-fold embedding-model scores.
 *
 * <p>Training rows get their features exactly as test rows do (see {@link FoldContext#trainNeighbours()}),
 * and their embedding-model scores come from models that never saw their inner fold, so a model
 * stacked on them is trained on the distribution it will be applied to.
 */
final class NeighbourFeatures {
    private static final int[] VOTE_DEPTHS = {10, 30, 100, 300};
    private static final double[] TEMPERATURES = {0.02, 0.05, 0.1};
    private static final int SUBJECT_DEPTH = 30;

    private NeighbourFeatures() {}

    static FeatureTable build(FoldContext ctx) {
        List<String> names = new ArrayList<>();
        List<String> groups = new ArrayList<>();
        for (int k : VOTE_DEPTHS) {
            add(names, groups, "knn" + k, "knn");
        }
        for (double t : TEMPERATURES) {
            add(names, groups, "softGain" + t, "knn");
        }
        for (String name : List.of("weak10", "strong10", "weak100w", "strong100w")) {
            add(names, groups, name, "nbr");
        }
        for (String name : List.of("sim1", "sim10", "sim100", "simStd100", "simGap1to10")) {
            add(names, groups, name, "sim");
        }
        for (String name : List.of("subjGain30", "subjWeak30", "subjStrong30", "subjConcentration30")) {
            add(names, groups, name, "subj");
        }
        for (String name : TextFeatures.NAMES) {
            add(names, groups, name, "text");
        }
        for (String name : List.of("embGain", "embWeak", "embStrong")) {
            add(names, groups, name, "emb");
        }

        StudyData data = ctx.data;
        double[][] byRow = new double[data.size()][];
        SubjectStats stats = new SubjectStats(ctx);
        double[][] embedding = EmbeddingScores.outOfFold(ctx);
        fill(byRow, ctx.split.test(), ctx.testNeighbours(), ctx, stats, embedding);
        fill(byRow, ctx.split.train(), ctx.trainNeighbours(), ctx, stats, embedding);
        return new FeatureTable(names, groups, byRow);
    }

    private static void add(List<String> names, List<String> groups, String name, String group) {
        names.add(name);
        groups.add(group);
    }

    private static void fill(double[][] byRow, int[] rows, NeighbourLists neighbours, FoldContext ctx,
            SubjectStats stats, double[][] embedding) {
        IntStream.range(0, rows.length).parallel().forEach(i -> {
            int q = rows[i];
            List<Double> f = new ArrayList<>(40);
            retrieval(f, q, neighbours.rows(q), neighbours.sims(q), ctx, stats);
            for (double v : TextFeatures.of(ctx.data.prompt(q))) {
                f.add(v);
            }
            for (double v : embedding[q]) {
                f.add(v);
            }
            byRow[q] = f.stream().mapToDouble(Double::doubleValue).toArray();
        });
    }

    private static void retrieval(List<Double> f, int q, int[] nb, float[] sim, FoldContext ctx, SubjectStats stats) {
        StudyData data = ctx.data;
        for (int k : VOTE_DEPTHS) {
            f.add(mean(data.gain, nb, Math.min(k, nb.length)));
        }
        for (double t : TEMPERATURES) {
            // softmax over similarity: the nearest neighbours dominate as t shrinks
            double sum = 0;
            double weight = 0;
            for (int j = 0; j < nb.length; j++) {
                double w = Math.exp((sim[j] - sim[0]) / t);
                sum += w * data.gain[nb[j]];
                weight += w;
            }
            f.add(sum / weight);
        }
        f.add(mean(data.weak, nb, Math.min(10, nb.length)));
        f.add(mean(data.strong, nb, Math.min(10, nb.length)));
        f.add(similarityWeighted(data.weak, nb, sim, Math.min(100, nb.length)));
        f.add(similarityWeighted(data.strong, nb, sim, Math.min(100, nb.length)));

        int k100 = Math.min(100, nb.length);
        double mean10 = meanSim(sim, Math.min(10, nb.length));
        double mean100 = meanSim(sim, k100);
        double variance = 0;
        for (int j = 0; j < k100; j++) {
            variance += (sim[j] - mean100) * (sim[j] - mean100);
        }
        f.add((double) sim[0]);
        f.add(mean10);
        f.add(mean100);
        f.add(Math.sqrt(variance / k100));
        f.add(sim[0] - mean10);

        int depth = Math.min(SUBJECT_DEPTH, nb.length);
        double gain = 0;
        double weak = 0;
        double strong = 0;
        int[] perSubject = new int[data.subjectCount];
        int most = 0;
        for (int j = 0; j < depth; j++) {
            int s = data.subject[nb[j]];
            gain += stats.gain(s, q);
            weak += stats.weak(s, q);
            strong += stats.strong(s, q);
            most = Math.max(most, ++perSubject[s]);
        }
        f.add(gain / depth);
        f.add(weak / depth);
        f.add(strong / depth);
        f.add((double) most / depth);
    }

    private static double mean(double[] values, int[] rows, int k) {
        double sum = 0;
        for (int j = 0; j < k; j++) {
            sum += values[rows[j]];
        }
        return sum / k;
    }

    private static double similarityWeighted(double[] values, int[] rows, float[] sim, int k) {
        double sum = 0;
        double weight = 0;
        for (int j = 0; j < k; j++) {
            double w = Math.max(sim[j], 0);
            sum += w * values[rows[j]];
            weight += w;
        }
        return weight > 0 ? sum / weight : 0;
    }

    private static double meanSim(float[] sim, int k) {
        double sum = 0;
        for (int j = 0; j < k; j++) {
            sum += sim[j];
        }
        return sum / k;
    }

    /**
     * Outcome means per subject over the rows a query may see: the whole memory for test rows and for
     * P1 training rows (whose own subject is never among their neighbours), the memory outside their own
     * inner fold for P2 training rows.
     */
    private static final class SubjectStats {
        private final double[][] gain;
        private final double[][] weak;
        private final double[][] strong;
        private final int[] innerFold;
        private final boolean byInnerFold;

        SubjectStats(FoldContext ctx) {
            StudyData data = ctx.data;
            byInnerFold = !ctx.split.subjectsHeldOut();
            innerFold = ctx.innerFoldByRow();
            // slot 0: the whole memory; slot 1 + f: the memory outside inner fold f
            int slots = 1 + FoldContext.INNER_FOLDS;
            gain = new double[slots][data.subjectCount];
            weak = new double[slots][data.subjectCount];
            strong = new double[slots][data.subjectCount];
            int[][] count = new int[slots][data.subjectCount];
            for (int row : ctx.split.train()) {
                int s = data.subject[row];
                for (int slot = 0; slot < slots; slot++) {
                    if (slot == 0 || innerFold[row] != slot - 1) {
                        gain[slot][s] += data.gain[row];
                        weak[slot][s] += data.weak[row];
                        strong[slot][s] += data.strong[row];
                        count[slot][s]++;
                    }
                }
            }
            for (int slot = 0; slot < slots; slot++) {
                for (int s = 0; s < data.subjectCount; s++) {
                    int n = Math.max(1, count[slot][s]);
                    gain[slot][s] /= n;
                    weak[slot][s] /= n;
                    strong[slot][s] /= n;
                }
            }
        }

        private int slot(int query) {
            return byInnerFold && innerFold[query] >= 0 ? 1 + innerFold[query] : 0;
        }

        double gain(int s, int query) {
            return gain[slot(query)][s];
        }

        double weak(int s, int query) {
            return weak[slot(query)][s];
        }

        double strong(int s, int query) {
            return strong[slot(query)][s];
        }
    }
}
