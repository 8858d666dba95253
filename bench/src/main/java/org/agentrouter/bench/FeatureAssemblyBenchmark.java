package org.agentrouter.bench;

import org.agentrouter.features.FeatureAssembler;
import org.agentrouter.features.FeatureLayout;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/** Feature rows of 100 retrieved candidates plus the query row, into arrays the caller owns (as offline tools do). */
@State(Scope.Thread)
public class FeatureAssemblyBenchmark {
    private DecisionInputs inputs;
    private float[] candidateFeatures;
    private float[] queryFeatures;

    @Setup
    public void setUp() {
        inputs = new DecisionInputs(11);
        candidateFeatures = new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH];
        queryFeatures = new float[FeatureLayout.QUERY_WIDTH];
    }

    @Benchmark
    public void assemble100Candidates(Blackhole bh) {
        int n = FeatureAssembler.candidates(inputs.candidates, DecisionInputs.NOW_MS, inputs.tags,
                DecisionInputs.SESSION, candidateFeatures);
        FeatureAssembler.query(inputs.embedding, DecisionInputs.TEXT, n, queryFeatures);
        bh.consume(n);
        bh.consume(candidateFeatures);
        bh.consume(queryFeatures);
    }

    /** The candidate rows alone (numbers only: recency, frequency, tag overlap, outcomes). */
    @Benchmark
    public int candidateRows100() {
        return FeatureAssembler.candidates(inputs.candidates, DecisionInputs.NOW_MS, inputs.tags,
                DecisionInputs.SESSION, candidateFeatures);
    }

    /** The query row alone: embedding copy and the text's lexical signals (code and math patterns). */
    @Benchmark
    public void queryRow(Blackhole bh) {
        FeatureAssembler.query(inputs.embedding, DecisionInputs.TEXT, DecisionInputs.CANDIDATES, queryFeatures);
        bh.consume(queryFeatures);
    }
}
