package org.agentrouter.bench;

import ai.onnxruntime.OrtEnvironment;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.query.QueryContext;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.QueryScoring;
import org.agentrouter.scoring.ServedModel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * One ONNX Runtime call scoring 100 candidates, with each model shipped under {@code models/} (the
 * suite passes every shipped model as the {@code model} parameter; see {@link MicroSuite}).
 */
@State(Scope.Thread)
public class ScoringBenchmark {
    @Param({"default"})
    public String model;

    private ServedModel served;
    private QueryContext query;
    private float[] relevance;

    @Setup
    public void setUp() throws Exception {
        served = ServedModel.accept(OrtEnvironment.getEnvironment(), ModelReleases.fromClasspath("models/" + model));
        query = new DecisionInputs(13).retrievedContext();
        relevance = new float[FeatureLayout.MAX_CANDIDATES];
    }

    /** The scoring hot path: inputs copied into bound tensors, one run(), outputs copied out. */
    @Benchmark
    public float onnxScore100(Blackhole bh) {
        float pStrong = served.scorer.score(query.candidateFeatures, query.queryFeatures, relevance);
        bh.consume(relevance);
        return pStrong;
    }

    /** The scorer operator's step: the call above plus the per-query relevance array and the release stamp. */
    @Benchmark
    public void scoringStep(Blackhole bh) {
        QueryScoring.score(served, query);
        QueryScoring.stamp(served, query);
        bh.consume(query.score.relevance);
        bh.consume(query.score.modelVersion);
    }

    @TearDown
    public void tearDown() {
        served.close();
    }
}
