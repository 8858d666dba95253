package org.agentrouter.memory.kernels;

/**
 * {@link FloatCosine} in plain Java, in double precision. Four independent partial sums per product: with
 * one, every add waits for the previous (a dependency chain as long as the vector), about 25% slower here.
 */
public final class ScalarFloatCosine implements FloatCosine {
    @Override
    public double cosine(float[] query, double queryNorm, float[] v) {
        int dim = v.length;
        double d0 = 0, d1 = 0, d2 = 0, d3 = 0;
        double n0 = 0, n1 = 0, n2 = 0, n3 = 0;
        int i = 0;
        for (; i + 4 <= dim; i += 4) {
            double x0 = v[i], x1 = v[i + 1], x2 = v[i + 2], x3 = v[i + 3];
            d0 += x0 * query[i];
            d1 += x1 * query[i + 1];
            d2 += x2 * query[i + 2];
            d3 += x3 * query[i + 3];
            n0 += x0 * x0;
            n1 += x1 * x1;
            n2 += x2 * x2;
            n3 += x3 * x3;
        }
        for (; i < dim; i++) {
            d0 += (double) v[i] * query[i];
            n0 += (double) v[i] * v[i];
        }
        double d = (d0 + d1) + (d2 + d3);
        double nn = (n0 + n1) + (n2 + n3);
        return nn == 0 || queryNorm == 0 ? 0 : d / (Math.sqrt(nn) * queryNorm);
    }

    @Override
    public String name() {
        return "scalar";
    }
}
