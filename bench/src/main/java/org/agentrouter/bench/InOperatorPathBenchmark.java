package org.agentrouter.bench;

import ai.onnxruntime.OrtEnvironment;
import java.util.SplittableRandom;
import org.agentrouter.embedding.TokenCounter;
import org.agentrouter.routing.CircuitBreaker;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.query.QueryContext;
import org.agentrouter.routing.RouteDecider;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.QueryScoring;
import org.agentrouter.scoring.ServedModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The whole path inside the operators from a retrieved candidate set (100 memories) to the
 * RoutingDecision record: feature assembly as the retrieval stage does it, the scorer stage with its
 * circuit breaker, the routing stage (conformal decision, top-10 context, token count for the cost).
 * Retrieval itself, embedding, Kafka and Flink's record hand-over are excluded.
 */
@State(Scope.Thread)
public class InOperatorPathBenchmark {
    private DecisionInputs inputs;
    private QueryContext decoded;
    private ServedModel served;
    private CircuitBreaker scorerBreaker;
    private RouteDecider decider;
    private QueryContext scorerDown;
    private TokenCounter tokens;

    @Setup
    public void setUp() throws Exception {
        inputs = new DecisionInputs(23);
        tokens = new TokenCounter();
        decoded = inputs.decodedContext();
        served = ServedModel.accept(OrtEnvironment.getEnvironment(), ModelReleases.fromClasspath("models/default"));
        scorerBreaker = new CircuitBreaker(CircuitBreaker.Settings.defaults());
        PricingTable pricing = PricingTable.defaults();
        decider = new RouteDecider(pricing, 0.1, pricing.strongest(), () -> System.currentTimeMillis() * 1_000);

        // For the scorer-down path: 64 recent confident decisions in the namespace, one near-identical to the query.
        SplittableRandom random = new SplittableRandom(29);
        long now = System.currentTimeMillis();
        for (int i = 0; i < 64; i++) {
            QueryContext earlier = handedOver();
            earlier.queryId = "earlier-" + i;
            earlier.embedding = i == 40 ? nearCopy(decoded.embedding, random) : DecisionInputs.unitVector(random);
            decider.rememberIfConfident(earlier, FallbackLevel.NONE, false, 0, 0.9, now);
        }
        scorerDown = handedOver();
        inputs.assembleInto(scorerDown);
        scorerDown.score.failure = "scorer circuit open";
        QueryScoring.stamp(served, scorerDown);
    }

    @Benchmark
    public RoutingDecision retrievedCandidatesToDecision() {
        QueryContext q = handedOver();
        inputs.assembleInto(q);
        long now = System.currentTimeMillis();
        if (scorerBreaker.allow(now)) {
            try {
                QueryScoring.score(served, q);
                scorerBreaker.onSuccess();
            } catch (RuntimeException e) {
                scorerBreaker.onFailure(now);
                q.score.failed = true;
                q.score.pStrong = Double.NaN;
                q.score.failure = "scorer failed: " + e.getMessage();
            }
        } else {
            q.score.failure = "scorer circuit open";
        }
        QueryScoring.stamp(served, q);
        return decider.decide(q);
    }

    /** Fallback level 1 while the scorer is down: scan the namespace's recent decisions for a near-identical query. */
    @Benchmark
    public RoutingDecision scorerDownToDecision() {
        return decider.decide(scorerDown);
    }

    /** The routing stage's token count of the query text (for the cost estimate), a real WordPiece tokenizer. */
    @Benchmark
    public int countInputTokens() {
        return tokens.count(decoded.text);
    }

    /** A fresh record per query, as a Flink stage receives it, carrying the decode stage's fields. */
    private QueryContext handedOver() {
        QueryContext q = new QueryContext();
        q.queryId = decoded.queryId;
        q.namespace = decoded.namespace;
        q.userId = decoded.userId;
        q.sessionId = decoded.sessionId;
        q.text = decoded.text;
        q.embedding = decoded.embedding;
        q.eventTimeMs = decoded.eventTimeMs;
        q.alpha = decoded.alpha;
        q.contextK = decoded.contextK;
        q.tags = decoded.tags;
        q.ingestMicros = decoded.ingestMicros;
        return q;
    }

    private static float[] nearCopy(float[] v, SplittableRandom random) {
        float[] out = v.clone();
        double norm = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] += (float) random.nextDouble(-0.005, 0.005);
            norm += out[i] * out[i];
        }
        float inv = (float) (1 / Math.sqrt(norm));
        for (int i = 0; i < out.length; i++) out[i] *= inv;
        return out;
    }

    @TearDown
    public void tearDown() {
        decider.close();
        served.close();
        tokens.close();
    }
}
