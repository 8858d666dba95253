package org.agentrouter.memory.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The rescoring kernels against a plain double-precision cosine, at the real width and at awkward ones. */
class FloatCosineTest {
    private static double reference(float[] a, float[] b) {
        double d = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            d += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : d / Math.sqrt(na * nb);
    }

    private static double norm(float[] v) {
        double n = 0;
        for (float x : v) n += (double) x * x;
        return Math.sqrt(n);
    }

    @Test
    void theTestJvmRunsTheVectorKernel() {
        // Surefire starts the JVM with --add-modules jdk.incubator.vector, as the job's launchers do.
        assertEquals("vector-api", FloatCosine.best().name());
    }

    @Test
    void bothKernelsAgreeWithTheReference() {
        Random rnd = new Random(3);
        for (FloatCosine kernel : new FloatCosine[] {FloatCosine.best(), new ScalarFloatCosine()}) {
            for (int dim : new int[] {384, 1, 7, 16, 17, 33}) {
                for (int trial = 0; trial < 50; trial++) {
                    float[] q = new float[dim];
                    float[] v = new float[dim];
                    for (int i = 0; i < dim; i++) {
                        q[i] = (float) rnd.nextGaussian();
                        v[i] = (float) (rnd.nextGaussian() * 0.5 + 0.3 * q[i]);
                    }
                    assertEquals(reference(q, v), kernel.cosine(q, norm(q), v), 1e-5, kernel.name() + " dim " + dim);
                }
            }
            assertEquals(0.0, kernel.cosine(new float[] {1, 0, 0}, 1.0, new float[3]), kernel.name() + ": zero vector");
        }
    }
}
