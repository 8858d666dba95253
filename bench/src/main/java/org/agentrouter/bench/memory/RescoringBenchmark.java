package org.agentrouter.bench.memory;

import java.util.Random;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import org.agentrouter.memory.index.LiveMemoryIndex;
import org.agentrouter.memory.kernels.FloatCosine;
import org.agentrouter.memory.kernels.ScalarFloatCosine;
import org.agentrouter.wire.Embeddings;
/**
 * The rescoring step of {@link LiveMemoryIndex#topK}: exact cosine of a 400-row shortlist (k = 100, shortlist
 * factor 4) out of 2,500 memories of one namespace, each vector its own array as in the index. In the package
 * of the kernels, which are not public. Run: {@code ./router bench micro --include Rescoring}.
 */
@State(Scope.Thread)
public class RescoringBenchmark {
    private static final int DIM = Embeddings.DIM;
    private static final int MEMORIES = 2_500;
    private static final int SHORTLIST = 400;

    /** vector: the Vector API kernel (the run fails if the JVM lacks the module); scalar: the plain-Java one. */
    @Param({"vector", "scalar"})
    public String kernel;

    private FloatCosine cosine;
    private final float[][] vectors = new float[MEMORIES][];
    private final int[] shortlist = new int[SHORTLIST];
    private final float[] query = new float[DIM];
    private final double[] out = new double[SHORTLIST];
    private double queryNorm;

    @Setup
    public void setUp() {
        cosine = kernel.equals("scalar") ? new ScalarFloatCosine() : FloatCosine.best();
        if (kernel.equals("vector") && !cosine.name().equals("vector-api")) {
            throw new IllegalStateException("the Vector API kernel is not available: start the JVM with --add-modules jdk.incubator.vector");
        }
        Random rnd = new Random(11);
        for (int m = 0; m < MEMORIES; m++) {
            vectors[m] = new float[DIM];
            for (int i = 0; i < DIM; i++) vectors[m][i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < DIM; i++) query[i] = (float) rnd.nextGaussian();
        double n = 0;
        for (float x : query) n += (double) x * x;
        queryNorm = Math.sqrt(n);
        for (int i = 0; i < SHORTLIST; i++) shortlist[i] = rnd.nextInt(MEMORIES);
    }

    @Benchmark
    public double[] rescore400() {
        for (int i = 0; i < SHORTLIST; i++) out[i] = cosine.cosine(query, queryNorm, vectors[shortlist[i]]);
        return out;
    }
}
