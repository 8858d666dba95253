package org.agentrouter.study;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Function;

/** A router under study: scores the test rows of a split (higher = strong model), in test-row order. */
interface FoldRouter {
    String name();

    double[] score(FoldContext ctx);

    static FoldRouter named(String name, Function<FoldContext, double[]> scorer) {
        return new FoldRouter() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double[] score(FoldContext ctx) {
                return scorer.apply(ctx);
            }
        };
    }

    /** Mean gain of the k nearest memory rows, uniform or weighted by cosine similarity. */
    static FoldRouter knnGain(int k, boolean similarityWeighted) {
        return named("kNN gain k=" + k + (similarityWeighted ? " sim-weighted" : " uniform"), ctx -> {
            NeighbourLists neighbours = ctx.testNeighbours();
            int[] test = ctx.split.test();
            double[] scores = new double[test.length];
            for (int i = 0; i < test.length; i++) {
                int[] nb = neighbours.rows(test[i]);
                float[] sim = neighbours.sims(test[i]);
                int depth = Math.min(k, nb.length);
                double sum = 0;
                double weight = 0;
                for (int j = 0; j < depth; j++) {
                    double w = similarityWeighted ? Math.max(sim[j], 0) : 1;
                    sum += w * ctx.data.gain[nb[j]];
                    weight += w;
                }
                scores[i] = weight > 0 ? sum / weight : 0;
            }
            return scores;
        });
    }

    /** One column of the split's feature table used directly as the score. */
    static FoldRouter feature(String name, String column, double sign) {
        return named(name, ctx -> {
            FeatureTable table = ctx.features();
            int c = table.column(column);
            return Arrays.stream(ctx.split.test()).mapToDouble(row -> sign * table.value(row, c)).toArray();
        });
    }

    static FoldRouter promptLength() {
        return named("prompt length (chars)", ctx -> Arrays.stream(ctx.split.test())
                .mapToDouble(row -> ctx.data.prompt(row).length()).toArray());
    }

    static FoldRouter random(long seed) {
        return named("random (one seeded draw)", ctx -> {
            Random random = new Random(seed + ctx.split.fold());
            return Arrays.stream(ctx.split.test()).mapToDouble(row -> random.nextDouble()).toArray();
        });
    }

    /** Reference, not a router: reads the test outcomes. The best any score can do. */
    static FoldRouter oracle() {
        return named("[ref] oracle: true gain", ctx -> Arrays.stream(ctx.split.test())
                .mapToDouble(row -> ctx.data.gain[row]).toArray());
    }

    /**
     * Reference, not a router: every test prompt scored with its own subject's true mean gain on the test
     * rows. Says how much of the achievable routing is "which subject is this".
     */
    static FoldRouter subjectMean() {
        return named("[ref] true subject mean gain", ctx -> {
            double[] sum = new double[ctx.data.subjectCount];
            int[] count = new int[ctx.data.subjectCount];
            for (int row : ctx.split.test()) {
                sum[ctx.data.subject[row]] += ctx.data.gain[row];
                count[ctx.data.subject[row]]++;
            }
            return Arrays.stream(ctx.split.test())
                    .mapToDouble(row -> sum[ctx.data.subject[row]] / count[ctx.data.subject[row]]).toArray();
        });
    }
}
