package org.agentrouter.study;

import java.util.Arrays;
import java.util.Set;

/**
 * A small model on a subset of the split's feature groups, fitted on the training rows' out-of-fold
 * features with the gain as target, and applied to the test rows.
 *
 * <p>{@code subjectBalanced}: each training row weighs 1 / (rows of its subject), rescaled to mean 1.
 * Without it two subjects (professional_law, moral_scenarios: 20% of the rows, both long prompts with
 * a large gain) decide what the model learns, which need not carry over to unseen subjects.
 */
final class StackedRouter implements FoldRouter {
    enum Model { LOGISTIC, STUMPS }

    private final String name;
    private final Set<String> groups;
    private final Model model;
    private final boolean subjectBalanced;

    StackedRouter(String label, Set<String> groups, Model model, boolean subjectBalanced) {
        this.groups = groups;
        this.model = model;
        this.subjectBalanced = subjectBalanced;
        this.name = (model == Model.LOGISTIC ? "stack LR " : "stack stumps ") + label
                + (subjectBalanced ? " (subject-balanced)" : "");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public double[] score(FoldContext ctx) {
        FeatureTable table = ctx.features();
        int[] columns = table.columns(groups);
        int[] train = ctx.split.train();
        double[][] x = table.matrix(train, columns);
        double[] gain = Arrays.stream(train).mapToDouble(row -> ctx.data.gain[row]).toArray();
        double[] weights = subjectBalanced ? subjectWeights(ctx.data, train) : null;
        double[][] test = table.matrix(ctx.split.test(), columns);
        if (model == Model.LOGISTIC) {
            double[] soft = Arrays.stream(gain).map(g -> (g + 1) / 2).toArray();
            // few features: more epochs than the embedding model, same regularisation
            LogisticRegression lr = LogisticRegression.fit(x, soft, weights,
                    new LogisticRegression.Options(1e-3, 30, 0.05, 32, 23L));
            return Arrays.stream(test).mapToDouble(lr::predict).toArray();
        }
        BoostedStumps stumps = weights == null
                ? BoostedStumps.fit(x, gain, BoostedStumps.Options.defaults())
                : BoostedStumps.fit(x, gain, weights, BoostedStumps.Options.defaults());
        return Arrays.stream(test).mapToDouble(stumps::predict).toArray();
    }

    static double[] subjectWeights(StudyData data, int[] rows) {
        int[] count = new int[data.subjectCount];
        for (int row : rows) {
            count[data.subject[row]]++;
        }
        int present = (int) Arrays.stream(count).filter(c -> c > 0).count();
        // each present subject gets total weight rows/present, so the weights average 1
        return Arrays.stream(rows).mapToDouble(row -> (double) rows.length / present / count[data.subject[row]]).toArray();
    }
}
