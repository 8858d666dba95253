package org.agentrouter.replay;

import java.util.stream.IntStream;
import org.agentrouter.learning.SharedPrior;

/**
 * Fits the {@link SharedPrior}: an L2-regularised logistic regression of the needs-strong label (strong right, cheap
 * wrong) on the prior's features, by Newton's method on standardised features (the scale then folded back into the
 * weights, so the job multiplies raw features). Deterministic: the same rows give the same weights.
 */
public final class PriorFit {
    private PriorFit() {}

    /** Default ridge: per standardised feature, in units of the log-likelihood summed over rows. */
    public static final double DEFAULT_L2 = 300.0;

    /**
     * @param x rows of {@link SharedPrior#WIDTH} features
     * @param y needs-strong labels
     * @param use which features the model may weigh (the others get weight 0); null: all
     */
    public static SharedPrior fit(double[][] x, boolean[] y, double l2, boolean[] use) {
        int n = x.length;
        int width = SharedPrior.WIDTH;
        int[] cols = IntStream.range(0, width).filter(j -> use == null || use[j]).toArray();
        int d = cols.length + 1; // + bias, last
        double[] mean = new double[cols.length], scale = new double[cols.length];
        for (int c = 0; c < cols.length; c++) {
            double s = 0, ss = 0;
            for (double[] row : x) {
                s += row[cols[c]];
                ss += row[cols[c]] * row[cols[c]];
            }
            mean[c] = s / n;
            double var = ss / n - mean[c] * mean[c];
            scale[c] = var > 1e-12 ? Math.sqrt(var) : 0; // a constant feature carries nothing
        }
        float[][] z = new float[n][d];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols.length; c++) z[i][c] = scale[c] == 0 ? 0f : (float) ((x[i][cols[c]] - mean[c]) / scale[c]);
            z[i][d - 1] = 1f;
        }
        int positives = 0;
        for (boolean b : y) if (b) positives++;
        double[] w = new double[d];
        w[d - 1] = Math.log(Math.max(1, positives) / (double) Math.max(1, n - positives));
        for (int iter = 0; iter < 25; iter++) {
            double[] grad = new double[d];
            double[][] hess = new double[d][d];
            double[] p = new double[n];
            for (int i = 0; i < n; i++) {
                double e = 0;
                for (int j = 0; j < d; j++) e += w[j] * z[i][j];
                p[i] = 1 / (1 + Math.exp(-e));
                double r = (y[i] ? 1 : 0) - p[i];
                for (int j = 0; j < d; j++) grad[j] += r * z[i][j];
            }
            for (int j = 0; j < d - 1; j++) {
                grad[j] -= l2 * w[j];
                hess[j][j] += l2;
            }
            hessian(z, p, hess);
            double[] step = solve(hess, grad);
            double max = 0;
            for (int j = 0; j < d; j++) {
                w[j] += step[j];
                max = Math.max(max, Math.abs(step[j]));
            }
            if (max < 1e-7) break;
        }
        double[] weights = new double[width];
        double bias = w[d - 1];
        for (int c = 0; c < cols.length; c++) {
            if (scale[c] == 0) continue;
            weights[cols[c]] = w[c] / scale[c];
            bias -= w[c] * mean[c] / scale[c];
        }
        return new SharedPrior(bias, weights);
    }

    /** hess += Z' diag(p (1 - p)) Z, upper triangle summed in parallel over row blocks, then mirrored. */
    private static void hessian(float[][] z, double[] p, double[][] hess) {
        int d = hess.length;
        int blocks = Math.max(1, Runtime.getRuntime().availableProcessors());
        double[][][] parts = new double[blocks][][];
        IntStream.range(0, blocks).parallel().forEach(b -> {
            double[][] h = new double[d][d];
            for (int i = b; i < z.length; i += blocks) {
                double v = p[i] * (1 - p[i]);
                float[] row = z[i];
                for (int j = 0; j < d; j++) {
                    double a = v * row[j];
                    if (a == 0) continue;
                    double[] hj = h[j];
                    for (int k = j; k < d; k++) hj[k] += a * row[k];
                }
            }
            parts[b] = h;
        });
        for (double[][] h : parts) {
            for (int j = 0; j < d; j++) for (int k = j; k < d; k++) hess[j][k] += h[j][k];
        }
        for (int j = 0; j < d; j++) for (int k = 0; k < j; k++) hess[j][k] = hess[k][j];
    }

    /** Solves H s = g for a symmetric positive definite H (Cholesky). */
    static double[] solve(double[][] h, double[] g) {
        int d = g.length;
        double[][] l = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j <= i; j++) {
                double s = h[i][j];
                for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                if (i == j) l[i][i] = Math.sqrt(Math.max(s, 1e-12));
                else l[i][j] = s / l[j][j];
            }
        }
        double[] t = new double[d];
        for (int i = 0; i < d; i++) {
            double s = g[i];
            for (int k = 0; k < i; k++) s -= l[i][k] * t[k];
            t[i] = s / l[i][i];
        }
        double[] out = new double[d];
        for (int i = d - 1; i >= 0; i--) {
            double s = t[i];
            for (int k = i + 1; k < d; k++) s -= l[k][i] * out[k];
            out[i] = s / l[i][i];
        }
        return out;
    }
}
