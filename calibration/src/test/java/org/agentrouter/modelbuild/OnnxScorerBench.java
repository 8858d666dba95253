package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;

import ai.onnxruntime.OrtEnvironment;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.scoring.OnnxScorer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Cost of one {@link OnnxScorer#score} call on the seed model with 100 present candidates. Not a default
 * test (the name does not match Surefire's includes); run it alone on a quiet machine:
 * {@code mvn -o -B -q -pl calibration -am test -Dtest=OnnxScorerBench -Dsurefire.failIfNoSpecifiedTests=false},
 * results in calibration/target/surefire-reports/org.agentrouter.modelbuild.OnnxScorerBench-output.txt.
 */
@Tag("bench")
class OnnxScorerBench {
    private static final int WARMUP_CALLS = 20_000;
    private static final int CALLS = 100_000;

    @Test
    void seedModel() throws Exception {
        measure("seed model", SeedModelBuilder.build());
    }

    /** The trained routers' graphs (issue 3); the cost depends on the graph's shape, not on the weight values. */
    @Test
    void trainedRouterModels() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        int h = 16;
        TrainedRouterGraphs.AttentionMlp mlp = new TrainedRouterGraphs.AttentionMlp(h,
                values(random, FeatureLayout.CANDIDATE_WIDTH * h), values(random, h), values(random, h), 0.1f,
                values(random, h), 0.1f);
        measure("attention MLP fp32", TrainedRouterGraphs.attentionMlp(mlp, false, java.util.Map.of()));
        measure("attention MLP int8", TrainedRouterGraphs.attentionMlp(mlp, true, java.util.Map.of()));
        for (int steps : new int[] {8, 16}) {
            TrainedRouterGraphs.FastGrnn grnn = new TrainedRouterGraphs.FastGrnn(h, steps,
                    values(random, FeatureLayout.CANDIDATE_WIDTH * h), values(random, h * h), values(random, h),
                    values(random, h), 0.7f, 0.02f, values(random, h), 0.1f, values(random, FeatureLayout.CANDIDATE_WIDTH),
                    0.1f, 1f);
            measure("FastGRNN " + steps + " steps fp32", TrainedRouterGraphs.fastGrnn(grnn, false, java.util.Map.of()));
            measure("FastGRNN " + steps + " steps int8", TrainedRouterGraphs.fastGrnn(grnn, true, java.util.Map.of()));
        }
        for (int hidden : new int[] {0, h}) {
            int width = Math.max(hidden, 1);
            TrainedRouterGraphs.QueryMlp q = new TrainedRouterGraphs.QueryMlp(hidden,
                    values(random, FeatureLayout.QUERY_WIDTH * width), values(random, FeatureLayout.CANDIDATE_WIDTH * width),
                    hidden == 0 ? null : values(random, hidden), hidden == 0 ? null : values(random, hidden), 0.1f);
            String name = hidden == 0 ? "query logistic" : "query MLP";
            measure(name + " fp32", TrainedRouterGraphs.queryMlp(q, false, java.util.Map.of()));
            measure(name + " int8", TrainedRouterGraphs.queryMlp(q, true, java.util.Map.of()));
        }
    }

    private static float[] values(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (random.nextDouble() - 0.5);
        return v;
    }

    /** Fixed cost of a call: a 5-node graph (2 Gemm, Sigmoid, 2 Identity) over the same inputs. */
    @Test
    void trivialModel() throws Exception {
        measure("trivial 5-node model", TestGraphs.linear(FeatureLayout.CANDIDATE_WIDTH, 0.01f, true));
    }

    private static void measure(String model, byte[] onnx) throws Exception {
        float[] candidates = CandidateBatches.random(100, new SplittableRandom(99));
        float[] relevance = new float[MAX_CANDIDATES];
        float[] query = new float[FeatureLayout.QUERY_WIDTH];
        SplittableRandom queryRandom = new SplittableRandom(98);
        for (int i = 0; i < query.length; i++) query[i] = (float) (queryRandom.nextDouble() - 0.5) * 0.1f;
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (OnnxScorer scorer = new OnnxScorer(OrtEnvironment.getEnvironment(), onnx)) {
            float sink = 0;
            for (int i = 0; i < WARMUP_CALLS; i++) {
                sink += scorer.score(candidates, query, relevance);
            }

            long[] nanos = new long[CALLS];
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long start = System.nanoTime();
            for (int i = 0; i < CALLS; i++) {
                long t0 = System.nanoTime();
                sink += scorer.score(candidates, query, relevance);
                nanos[i] = System.nanoTime() - t0;
            }
            long elapsed = System.nanoTime() - start;
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;

            Arrays.sort(nanos);
            System.out.printf("OnnxScorer.score, %s, 100 present candidates, %d calls after %d warm-up:%n",
                    model, CALLS, WARMUP_CALLS);
            System.out.printf("  mean %.2f us/call (wall clock over the loop)%n", elapsed / 1e3 / CALLS);
            System.out.printf("  p50 %.2f us, p99 %.2f us, p99.9 %.2f us, max %.2f us%n",
                    nanos[CALLS / 2] / 1e3, nanos[CALLS * 99 / 100] / 1e3, nanos[CALLS * 999 / 1000] / 1e3,
                    nanos[CALLS - 1] / 1e3);
            System.out.printf("  Java heap allocated: %.1f bytes/call%n", allocated / (double) CALLS);
            System.out.println("  (checksum " + sink + ")");
        }
    }
}
