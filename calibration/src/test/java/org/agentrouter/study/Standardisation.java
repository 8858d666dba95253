package org.agentrouter.study;

/** Column means and inverse standard deviations, so gradient steps treat every feature alike. */
final class Standardisation {
    private Standardisation() {}

    /** Fills {@code mean} and {@code inverseStd} (0 for a constant column, which then drops out). */
    static void fit(double[][] x, double[] mean, double[] inverseStd) {
        int n = x.length;
        int d = mean.length;
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        double[] variance = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                double c = row[j] - mean[j];
                variance[j] += c * c;
            }
        }
        for (int j = 0; j < d; j++) {
            double std = Math.sqrt(variance[j] / n);
            inverseStd[j] = std > 1e-12 ? 1 / std : 0;
        }
    }

    static double[] apply(double[] row, double[] mean, double[] inverseStd) {
        double[] z = new double[row.length];
        for (int j = 0; j < row.length; j++) {
            z[j] = (row[j] - mean[j]) * inverseStd[j];
        }
        return z;
    }
}
