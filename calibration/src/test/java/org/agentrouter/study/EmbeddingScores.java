package org.agentrouter.study;

import java.util.Arrays;
/**
 * Logistic models on the raw embedding predicting, per prompt, the gain (as a soft label), whether the
 * weak model is right and whether the strong one is. Test rows are scored by models fitted on the
 * whole memory; training rows by models that did not see their inner fold (out-of-fold), so the
 * scores can feed a stacked model without leaking a row's own outcome.
 */
final class EmbeddingScores {
    static final int GAIN = 0;
    static final int WEAK = 1;
    static final int STRONG = 2;

    private EmbeddingScores() {}

    /** Rows of the split get {gain, weak, strong} scores; other rows null. */
    static double[][] outOfFold(FoldContext ctx) {
        StudyData data = ctx.data;
        int[] train = ctx.split.train();
        double[][] scores = new double[data.size()][];
        score(scores, fit(data, train), data, ctx.split.test());
        int[] inner = ctx.innerFoldByRow();
        for (int f = 0; f < FoldContext.INNER_FOLDS; f++) {
            final int fold = f;
            int[] fitRows = Arrays.stream(train).filter(row -> inner[row] != fold).toArray();
            int[] heldOut = Arrays.stream(train).filter(row -> inner[row] == fold).toArray();
            if (heldOut.length > 0) {
                score(scores, fit(data, fitRows), data, heldOut);
            }
        }
        return scores;
    }

    /** The three models fitted on {@code rows}. */
    static LogisticRegression[] fit(StudyData data, int[] rows) {
        double[][] x = inputs(data, rows);
        double[] gain = new double[rows.length];
        double[] weak = new double[rows.length];
        double[] strong = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            gain[i] = (data.gain[rows[i]] + 1) / 2;
            weak[i] = data.weak[rows[i]];
            strong[i] = data.strong[rows[i]];
        }
        LogisticRegression.Options options = LogisticRegression.Options.defaults();
        return new LogisticRegression[] {
            LogisticRegression.fit(x, gain, options),
            LogisticRegression.fit(x, weak, options),
            LogisticRegression.fit(x, strong, options),
        };
    }

    private static void score(double[][] scores, LogisticRegression[] models, StudyData data, int[] rows) {
        for (int row : rows) {
            double[] x = input(data, row);
            scores[row] = new double[] {models[GAIN].predict(x), models[WEAK].predict(x), models[STRONG].predict(x)};
        }
    }

    static double[][] inputs(StudyData data, int[] rows) {
        double[][] x = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            x[i] = input(data, rows[i]);
        }
        return x;
    }

    static double[] input(StudyData data, int row) {
        float[] v = data.vectors[row];
        double[] x = new double[v.length];
        for (int d = 0; d < v.length; d++) {
            x[d] = v[d];
        }
        return x;
    }
}
