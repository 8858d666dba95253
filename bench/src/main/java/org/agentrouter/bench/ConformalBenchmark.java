package org.agentrouter.bench;

import java.util.SplittableRandom;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.ConformalRule;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.query.QueryContext;
import org.agentrouter.routing.RouteDecider;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.scoring.ModelReleases;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The conformal decision over the shipped release's calibration, for a stream of p_strong values
 * spread over [0, 1] (so confident and uncertain decisions mix as they do in traffic).
 */
@State(Scope.Thread)
public class ConformalBenchmark {
    private static final int RING = 1024;

    private final double[] pStrongs = new double[RING];
    private int next;
    private double[] alphas;
    private double[][] thresholds;
    private final double[] labelProbs = new double[2];
    private final ConformalRule.Decision decision = new ConformalRule.Decision();

    private RouteDecider decider;
    private CircuitBreaker scorerBreaker;
    private QueryContext query;
    private long clockMs;

    @Setup
    public void setUp() throws Exception {
        SplittableRandom random = new SplittableRandom(17);
        for (int i = 0; i < RING; i++) pStrongs[i] = random.nextDouble();
        ConformalCalibration c = ModelReleases.fromClasspath("models/default").getCalibration();
        alphas = c.getAlphas().stream().mapToDouble(Double::doubleValue).toArray();
        thresholds = new double[][] {
            c.getCheapThresholds().stream().mapToDouble(Double::doubleValue).toArray(),
            c.getStrongThresholds().stream().mapToDouble(Double::doubleValue).toArray()};

        PricingTable pricing = PricingTable.defaults();
        decider = new RouteDecider(pricing, 0.1, pricing.strongest(), () -> System.currentTimeMillis() * 1_000);
        scorerBreaker = new CircuitBreaker(CircuitBreaker.Settings.defaults());
        query = new DecisionInputs(19).retrievedContext();
        query.score.calibrationAlphas = alphas;
        query.score.cheapThresholds = thresholds[0];
        query.score.strongThresholds = thresholds[1];
        clockMs = System.currentTimeMillis();
    }

    /** ConformalRule.decide alone: nearest calibrated alpha, prediction set, route. */
    @Benchmark
    public void conformalDecision(Blackhole bh) {
        double p = pStrongs[next++ & (RING - 1)];
        labelProbs[0] = 1.0 - p;
        labelProbs[1] = p;
        ConformalRule.decide(labelProbs, 0.1, 0.1, alphas, thresholds, decision);
        bh.consume(decision.route);
        bh.consume(decision.predictionSet);
    }

    /**
     * What the operators add per scored query for the guarantee and for degradation (issue 4): the
     * scorer's circuit breaker around the call, the conformal step, and remembering confident
     * decisions for the first fallback level.
     */
    @Benchmark
    public void conformalAndFallbackBookkeeping(Blackhole bh) {
        long now = ++clockMs;
        boolean allowed = scorerBreaker.allow(now);
        scorerBreaker.onSuccess();
        query.score.pStrong = pStrongs[next++ & (RING - 1)];
        ConformalRule.Decision d = decider.decideConformally(query.score, query.alpha);
        decider.rememberIfConfident(query, FallbackLevel.NONE, d.uncertain, d.route, d.confidence, now);
        bh.consume(allowed);
        bh.consume(d.route);
        bh.consume(d.predictionSet);
    }

    @TearDown
    public void tearDown() {
        decider.close();
    }
}
