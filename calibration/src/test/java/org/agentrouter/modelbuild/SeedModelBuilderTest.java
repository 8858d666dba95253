package org.agentrouter.modelbuild;

import static org.agentrouter.features.FeatureLayout.CANDIDATE_WIDTH;
import static org.agentrouter.features.FeatureLayout.MAX_CANDIDATES;
import static org.agentrouter.features.FeatureLayout.QUERY_WIDTH;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelContractException;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.OnnxScorer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The seed graph, run by the real {@link OnnxScorer}, against the same formula in plain Java. */
class SeedModelBuilderTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();
    private static final double TOLERANCE = 1e-5;

    private static OnnxScorer scorer;

    @BeforeAll
    static void loadSeed() throws ModelContractException {
        scorer = new OnnxScorer(ENV, SeedModelBuilder.build());
    }

    @AfterAll
    static void closeSeed() {
        scorer.close();
    }

    @ParameterizedTest(name = "{0} present candidates")
    @ValueSource(ints = {0, 1, 37, 128})
    void matchesTheFormulaInPlainJava(int present) {
        SplittableRandom random = new SplittableRandom(present * 31L + 1);
        float[] relevance = new float[MAX_CANDIDATES];
        float[] expectedRelevance = new float[MAX_CANDIDATES];
        for (int batch = 0; batch < 25; batch++) {
            float[] candidates = CandidateBatches.random(present, random);

            float pStrong = scorer.score(candidates, null, relevance);
            double expected = SeedFormula.pStrong(candidates, expectedRelevance);

            assertEquals(expected, pStrong, TOLERANCE, "p_strong, batch " + batch);
            for (int i = 0; i < MAX_CANDIDATES; i++) {
                assertEquals(expectedRelevance[i], relevance[i], TOLERANCE, "relevance[" + i + "], batch " + batch);
            }
            for (int i = present; i < MAX_CANDIDATES; i++) {
                assertEquals(0f, relevance[i], "padding row " + i + " must have relevance 0");
            }
        }
    }

    @Test
    void noCandidatesMeansNoOpinion() {
        float[] relevance = new float[MAX_CANDIDATES];

        float pStrong = scorer.score(new float[MAX_CANDIDATES * CANDIDATE_WIDTH], null, relevance);

        assertEquals(0.5f, pStrong, 1e-7);
        assertArrayEquals(new float[MAX_CANDIDATES], relevance);
    }

    @Test
    void candidatesWithoutKnownOutcomesMeanNoOpinion() {
        float[] candidates = CandidateBatches.random(60, new SplittableRandom(3));
        for (int i = 0; i < 60; i++) {
            candidates[i * CANDIDATE_WIDTH + FeatureLayout.C_OUTCOME_KNOWN] = 0f;
        }

        assertEquals(0.5f, scorer.score(candidates, null, new float[MAX_CANDIDATES]), 1e-7);
    }

    @Test
    void evidenceThatTheStrongRouteWonRaisesPStrong() {
        float[] candidates = CandidateBatches.random(10, new SplittableRandom(4));
        for (int i = 0; i < 10; i++) {
            int row = i * CANDIDATE_WIDTH;
            candidates[row + FeatureLayout.C_OUTCOME_KNOWN] = 1f;
            candidates[row + FeatureLayout.C_STRONG_OUTCOME] = 1f;
            candidates[row + FeatureLayout.C_CHEAP_OUTCOME] = 0f;
        }

        // Unanimous gain +1: sigmoid(A * 1 + B).
        assertEquals(1 / (1 + Math.exp(-SeedModelBuilder.GAIN_SCALE)),
                scorer.score(candidates, null, new float[MAX_CANDIDATES]), TOLERANCE);
    }

    @Test
    void readsOnlyCandidates() {
        assertTrue(scorer.readsCandidates());
        assertFalse(scorer.readsQuery());
    }

    @Test
    void reusedBuffersGiveIndependentResults() {
        float[] a = CandidateBatches.random(100, new SplittableRandom(11));
        float[] b = CandidateBatches.random(5, new SplittableRandom(12));
        float[] relevanceA = new float[MAX_CANDIDATES];
        float[] relevanceB = new float[MAX_CANDIDATES];
        float[] relevanceAgain = new float[MAX_CANDIDATES];
        float[] expected = new float[MAX_CANDIDATES];

        float pA = scorer.score(a, null, relevanceA);
        float pB = scorer.score(b, null, relevanceB);
        float pAgain = scorer.score(a, null, relevanceAgain);

        assertEquals(SeedFormula.pStrong(b, expected), pB, TOLERANCE);
        for (int i = 0; i < MAX_CANDIDATES; i++) {
            assertEquals(expected[i], relevanceB[i], TOLERANCE);
        }
        assertEquals(0f, relevanceB[5], "rows present in the previous batch must not leak into this one");
        assertNotEquals(0f, relevanceA[5]);
        assertEquals(pA, pAgain);
        assertArrayEquals(relevanceA, relevanceAgain);
    }

    @Test
    void refusesInputsOfTheWrongLength() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> scorer.score(new float[10 * CANDIDATE_WIDTH], null, new float[MAX_CANDIDATES]));
        assertEquals("candidates must hold exactly " + MAX_CANDIDATES * CANDIDATE_WIDTH + " floats, got " + 10 * CANDIDATE_WIDTH,
                e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> scorer.score(new float[MAX_CANDIDATES * CANDIDATE_WIDTH], null, new float[10]));
    }

    @Test
    void closeIsIdempotentAndFinal() throws ModelContractException {
        OnnxScorer closing = new OnnxScorer(ENV, SeedModelBuilder.build());
        closing.close();
        closing.close();

        assertThrows(IllegalStateException.class,
                () -> closing.score(new float[MAX_CANDIDATES * CANDIDATE_WIDTH], null, new float[MAX_CANDIDATES]));
    }

    @Test
    void dryRunPasses() throws ModelContractException {
        scorer.dryRun();
    }

    @Test
    void buildIsDeterministic() {
        assertArrayEquals(SeedModelBuilder.build(), SeedModelBuilder.build());
    }

    @Test
    void rejectsAWrongCandidateWidth() {
        byte[] model = TestGraphs.linear(CANDIDATE_WIDTH + 1, 0.01f, true);

        ModelContractException e = assertThrows(ModelContractException.class, () -> new OnnxScorer(ENV, model));

        assertEquals("model input 'candidates' is FLOAT [128, " + (CANDIDATE_WIDTH + 1) + "]; FeatureLayout v"
                + FeatureLayout.VERSION + " requires float32 [128, " + CANDIDATE_WIDTH + "]", e.getMessage());
    }

    @Test
    void rejectsSymbolicDimensions() {
        byte[] model = TestGraphs.linear(CANDIDATE_WIDTH, 0.01f, false);

        ModelContractException e = assertThrows(ModelContractException.class, () -> new OnnxScorer(ENV, model));

        assertTrue(e.getMessage().contains("[-1, "), e.getMessage());
        assertTrue(e.getMessage().contains("export with fixed shapes"), e.getMessage());
    }

    @Test
    void dryRunRefusesOutputsOutsideTheUnitInterval() throws ModelContractException {
        // Unclipped linear relevance: negative for some probe rows, above 1 for others.
        try (OnnxScorer unclipped = new OnnxScorer(ENV, TestGraphs.linear(CANDIDATE_WIDTH, 2f, true))) {
            ModelContractException e = assertThrows(ModelContractException.class, unclipped::dryRun);
            assertTrue(e.getMessage().contains("relevance["), e.getMessage());
        }
    }

    @Test
    void feedsTheQueryToAModelThatReadsIt() throws ModelContractException {
        float[] queryWeights = new float[QUERY_WIDTH];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < QUERY_WIDTH; i++) {
            queryWeights[i] = (float) random.nextDouble(-0.1, 0.1);
        }
        try (OnnxScorer twoInputs = new OnnxScorer(ENV, TestGraphs.queryLogistic(queryWeights))) {
            assertTrue(twoInputs.readsQuery());
            twoInputs.dryRun();
            for (int trial = 0; trial < 3; trial++) {
                float[] query = new float[QUERY_WIDTH];
                double z = 0;
                for (int i = 0; i < QUERY_WIDTH; i++) {
                    query[i] = (float) random.nextGaussian();
                    z += (double) query[i] * queryWeights[i];
                }
                float pStrong = twoInputs.score(CandidateBatches.random(20, random), query, new float[MAX_CANDIDATES]);
                assertEquals(1 / (1 + Math.exp(-z)), pStrong, TOLERANCE);
            }
        }
    }

    @Test
    void writesAReleaseTheScorerAccepts(@TempDir Path dir) throws Exception {
        ConformalCalibration calibration = ConformalCalibration.newBuilder()
                .setMethod("split")
                .setAlphas(List.of(0.1))
                .setStrongThresholds(List.of(0.7))
                .setCheapThresholds(List.of(0.6))
                .setCalibrationSize(200)
                .build();

        ModelRelease written = SeedModelBuilder.writeRelease(dir, calibration);
        ModelRelease read = ModelReleases.read(dir);

        assertEquals(written, read);
        ModelReleases.verify(read);
        assertEquals("seed-weighting", read.getName());
        assertEquals("1.0.0", read.getVersion());
        assertEquals(SeedModelBuilder.LAYOUT, read.getFeatureLayoutVersion());
        assertEquals("champion", read.getRole());
        assertEquals(calibration, read.getCalibration());
        try (OnnxScorer fromRelease = new OnnxScorer(ENV, ModelReleases.modelBytes(read))) {
            fromRelease.dryRun();
        }
    }

    /** The seed's formula, written independently of the graph, in double precision. */
    static final class SeedFormula {
        private SeedFormula() {}

        static double pStrong(float[] candidates, float[] relevanceOut) {
            double[] logits = new double[MAX_CANDIDATES];
            double[] gain = new double[MAX_CANDIDATES];
            double maxLogit = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < MAX_CANDIDATES; i++) {
                int row = i * CANDIDATE_WIDTH;
                double present = candidates[row + FeatureLayout.C_PRESENT];
                double linear = SeedModelBuilder.W_SIMILARITY * candidates[row + FeatureLayout.C_SIMILARITY]
                        + SeedModelBuilder.W_RECENCY * candidates[row + FeatureLayout.C_RECENCY]
                        + SeedModelBuilder.W_CONFIDENCE * candidates[row + FeatureLayout.C_CONFIDENCE]
                        + SeedModelBuilder.W_FREQUENCY * candidates[row + FeatureLayout.C_FREQUENCY]
                        + SeedModelBuilder.W_TAG_OVERLAP * candidates[row + FeatureLayout.C_TAG_OVERLAP];
                double relevance = Math.min(Math.max(linear, 0), 1) * present;
                relevanceOut[i] = (float) relevance;
                logits[i] = relevance * SeedModelBuilder.ATTENTION_SHARPNESS
                        + (present - 1) * SeedModelBuilder.PADDING_PENALTY;
                maxLogit = Math.max(maxLogit, logits[i]);
                gain[i] = (candidates[row + FeatureLayout.C_STRONG_OUTCOME]
                        - candidates[row + FeatureLayout.C_CHEAP_OUTCOME])
                        * candidates[row + FeatureLayout.C_OUTCOME_KNOWN] * present;
            }
            double total = 0;
            double weightedGain = 0;
            for (int i = 0; i < MAX_CANDIDATES; i++) {
                double w = Math.exp(logits[i] - maxLogit);
                total += w;
                weightedGain += w * gain[i];
            }
            double z = SeedModelBuilder.GAIN_SCALE * (weightedGain / total) + SeedModelBuilder.GAIN_BIAS;
            return 1 / (1 + Math.exp(-z));
        }
    }
}
