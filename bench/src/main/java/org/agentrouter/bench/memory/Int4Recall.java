package org.agentrouter.bench.memory;

import org.agentrouter.memory.kernels.Int8Codes;
import java.util.Arrays;
import java.util.SplittableRandom;

import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.store.QuantizedNamespace;
import org.agentrouter.memory.kernels.FloatCosine;
import org.agentrouter.memory.kernels.Int4Codes;
import org.agentrouter.memory.kernels.Int4Dot;
import org.agentrouter.memory.kernels.Int8Dot;
import org.agentrouter.wire.Embeddings;
/**
 * Issue 8: recall@k of a first pass (4-bit or int8 codes, scores = exact integer dot * the row's scale, as
 * {@link LiveMemoryIndex} ranks them) followed by exact rescoring of a shortlist of {@code factor * k}
 * rows, against exact search on the float vectors, for several shortlist factors at once. With exact
 * rescoring the result's top k holds exactly the true top-k rows that made the shortlist, so recall@k =
 * |shortlist & true top k| / k.
 *
 * <p>Usage: {@code java --add-modules jdk.incubator.vector -cp <bench classpath>
 * org.agentrouter.bench.memory.Int4Recall ROWS QUERIES [K]}: random unit 384-d vectors (as Int8ScanBenchmark).
 */
public final class Int4Recall {
    private static final int DIM = Embeddings.DIM;
    private static final int[] FACTORS = {1, 2, 3, 4, 5, 6, 8, 10};

    private Int4Recall() {}

    public static void main(String[] args) {
        int rows = Integer.parseInt(args[0]);
        int queries = Integer.parseInt(args[1]);
        int k = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        SplittableRandom random = new SplittableRandom(8);
        float[][] vectors = new float[rows][];
        byte[] int8 = new byte[rows * DIM];
        float[] int8Scale = new float[rows];
        int rowBytes = Int4Codes.rowBytes(DIM);
        byte[] int4 = new byte[rows * rowBytes];
        float[] int4Scale = new float[rows];
        for (int r = 0; r < rows; r++) {
            vectors[r] = unit(random);
            Int8Codes.quantize(vectors[r], int8, r * DIM, DIM, int8Scale, r);
            int4Scale[r] = Int4Codes.quantize(vectors[r], int4, r * rowBytes, DIM);
        }
        FloatCosine cosine = FloatCosine.best();
        Int8Dot int8Kernel = Int8Dot.best();
        Int4Dot int4Kernel = Int4Dot.best();
        int maxShortlist = FACTORS[FACTORS.length - 1] * k;
        long[] hits8 = new long[FACTORS.length];
        long[] hits4 = new long[FACTORS.length];
        double[] exact = new double[rows];
        float[] approx = new float[rows];
        int[] dots = new int[rows];
        byte[] qBytes = new byte[DIM];
        short[] qShorts = new short[DIM];
        double sumErr4 = 0;
        double sumErr8 = 0;
        double sumCos = 0;
        for (int qi = 0; qi < queries; qi++) {
            float[] q = unit(random);
            Int8Codes.quantize(q, qBytes, 0, DIM, new float[1], 0);
            for (int i = 0; i < DIM; i++) qShorts[i] = qBytes[i];
            for (int r = 0; r < rows; r++) exact[r] = cosine.cosine(q, 1.0, vectors[r]);
            boolean[] top = new boolean[rows];
            for (int r : topRows(exact, k)) top[r] = true;
            // Error of the first pass's score as a cosine estimate (query scale = max |q| / 127).
            float qScale = 0;
            for (float x : q) qScale = Math.max(qScale, Math.abs(x));
            qScale /= 127f;
            int8Kernel.dotRows(int8, 0, rows, qShorts, DIM, dots);
            for (int r = 0; r < rows; r++) {
                approx[r] = dots[r] * int8Scale[r];
                double e = approx[r] * qScale - exact[r];
                sumErr8 += e * e;
                sumCos += exact[r] * exact[r];
            }
            count(approx, top, k, maxShortlist, hits8);
            int4Kernel.dotRows(int4, 0, rows, qShorts, DIM, dots);
            for (int r = 0; r < rows; r++) {
                approx[r] = dots[r] * int4Scale[r];
                double e = approx[r] * qScale - exact[r];
                sumErr4 += e * e;
            }
            count(approx, top, k, maxShortlist, hits4);
        }
        double n = (double) rows * queries;
        System.out.printf("rows %d, %d queries, k %d; sd of cosines %.5f, sd of first-pass error: int8 %.5f, int4 %.5f%n",
                rows, queries, k, Math.sqrt(sumCos / n), Math.sqrt(sumErr8 / n), Math.sqrt(sumErr4 / n));
        System.out.printf("%-8s %-10s %-10s %-10s%n", "factor", "shortlist", "int8 rec", "int4 rec");
        for (int f = 0; f < FACTORS.length; f++) {
            System.out.printf("%-8d %-10d %-10.4f %-10.4f%n", FACTORS[f], FACTORS[f] * k,
                    hits8[f] / (double) (queries * k), hits4[f] / (double) (queries * k));
        }
    }

    /** Adds, per factor, how many true top-k rows are among the first factor * k rows by approximate score. */
    private static void count(float[] approx, boolean[] top, int k, int maxShortlist, long[] hits) {
        int[] order = topRows(approx, Math.min(maxShortlist, approx.length));
        for (int f = 0; f < FACTORS.length; f++) {
            int s = Math.min(FACTORS[f] * k, order.length);
            for (int i = 0; i < s; i++) if (top[order[i]]) hits[f]++;
        }
    }

    /** The n rows with the highest scores, best first. */
    private static int[] topRows(double[] scores, int n) {
        float[] f = new float[scores.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) scores[i];
        return topRows(f, n);
    }

    private static int[] topRows(float[] scores, int n) {
        long[] keys = new long[scores.length];
        for (int i = 0; i < scores.length; i++) {
            int bits = Float.floatToIntBits(scores[i]);
            int ordered = bits >= 0 ? bits : bits ^ 0x7fffffff;
            keys[i] = ((long) ~ordered << 32) | i;
        }
        Arrays.sort(keys);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = (int) keys[i];
        return out;
    }

    private static float[] unit(SplittableRandom random) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int i = 0; i < DIM; i++) {
            double u = random.nextDouble();
            double w = random.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * w));
            norm += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < DIM; i++) v[i] *= inv;
        return v;
    }
}
