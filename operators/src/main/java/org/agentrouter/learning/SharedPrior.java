package org.agentrouter.learning;

import java.io.Serializable;
import org.agentrouter.features.FeatureLayout;

/**
 * The shared prior of a namespace that has taught the router nothing yet: the probability that a query needs the
 * strong model (strong right, cheap wrong), from the query alone, by a logistic regression fitted on public outcome
 * data. It reads the query row the retrieval stage assembles for the scorer (the MiniLM embedding, log length, code
 * and math flags; not the candidate fill, which depends on the namespace's memory) and the text's
 * {@link QueryShape}, so it answers for a namespace with no memory at all, and the in-process replay computes the
 * same number the job does from the same vector and text.
 *
 * <p>Its scale is a needs-strong rate (about 0.19 on the public data), the scale of a namespace's own rate, which
 * {@link NamespaceLearner} blends it with.
 */
public final class SharedPrior implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final int EMBEDDING = FeatureLayout.EMBEDDING_DIM;
    /** Features: the embedding, length, code, math, then the shape signals. */
    public static final int WIDTH = EMBEDDING + 3 + QueryShape.WIDTH;

    private final double bias;
    private final double[] weights;

    public SharedPrior(double bias, double[] weights) {
        if (weights.length != WIDTH) throw new IllegalArgumentException("a prior has " + WIDTH + " weights, got " + weights.length);
        for (double w : weights) if (!Double.isFinite(w)) throw new IllegalArgumentException("prior weights must be finite");
        if (!Double.isFinite(bias)) throw new IllegalArgumentException("prior bias must be finite");
        this.bias = bias;
        this.weights = weights.clone();
    }

    /** The same p for every query: what a prior that knows only the public rate says. */
    public static SharedPrior constant(double p) {
        return new SharedPrior(Math.log(p / (1 - p)), new double[WIDTH]);
    }

    public double bias() {
        return bias;
    }

    public double[] weights() {
        return weights.clone();
    }

    /**
     * @param queryRow [FeatureLayout.QUERY_WIDTH], as {@code FeatureAssembler.query} fills it
     * @param scratch [WIDTH], the caller's buffer
     */
    public double pStrong(float[] queryRow, String text, double[] scratch) {
        features(queryRow, text, scratch);
        return pStrong(scratch);
    }

    public double pStrong(double[] features) {
        double z = bias;
        for (int i = 0; i < WIDTH; i++) z += weights[i] * features[i];
        return 1.0 / (1.0 + Math.exp(-z));
    }

    /** The prior's input from the query row and the text. */
    public static void features(float[] queryRow, String text, double[] out) {
        for (int i = 0; i < EMBEDDING; i++) out[i] = queryRow[i];
        out[EMBEDDING] = queryRow[FeatureLayout.Q_LENGTH];
        out[EMBEDDING + 1] = queryRow[FeatureLayout.Q_CODE];
        out[EMBEDDING + 2] = queryRow[FeatureLayout.Q_MATH];
        QueryShape.of(text, out, EMBEDDING + 3);
    }
}
