package org.agentrouter.calibration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.modelbuild.SeedModelBuilder;
import org.agentrouter.routing.PricingTable;
import org.agentrouter.schema.ConformalCalibration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline routing path on a small outcome table made here (no shared data needed): real MiniLM,
 * real sqlite-vec memory, the real seed ONNX model.
 */
class OfflineScoringTest {
    @TempDir
    static Path dir;

    static OutcomeTable table;
    static float[][] vectors;

    @BeforeAll
    static void data() throws Exception {
        StringBuilder csv = new StringBuilder("prompt,weak,strong\n");
        for (int i = 0; i < 20; i++) {
            csv.append("\"What is the capital of country number ").append(i).append("?\",True,True\n");
            csv.append("\"Prove that the sum of the first ").append(i + 2)
                    .append(" odd numbers is a perfect square, step by step.\",False,True\n");
        }
        Path file = dir.resolve("mmlu_synthetic.csv");
        Files.writeString(file, csv);
        table = OutcomeTable.load(file, "prompt", "weak", "strong");
        vectors = PromptEmbeddings.of(table.prompts(), dir.resolve("cache"));
    }

    @Test
    void aQuestionNeverSeesItsOwnStoredOutcome() throws Exception {
        int probe = 5; // a "prove" question: weak wrong, strong right
        Path withIt = dir.resolve("with.db");
        Path without = dir.resolve("without.db");
        OutcomeMemory.write(withIt, table, vectors, "ns", 0.5, i -> true);
        OutcomeMemory.write(without, table, vectors, "ns", 0.5, i -> i != probe);
        byte[] model = SeedModelBuilder.build();
        for (OfflineRetrieval retrieval : List.of(OfflineRetrieval.job(), OfflineRetrieval.cosine(100))) {
            double a = OfflineScoring.score(table, vectors, withIt, "ns", model, retrieval, 0.5, i -> i == probe).pStrong()[0];
            double b = OfflineScoring.score(table, vectors, without, "ns", model, retrieval, 0.5, i -> i == probe).pStrong()[0];
            assertEquals(b, a, 1e-9, retrieval.describe());
        }
    }

    @Test
    void theJobsRetrievalFindsMemoriesByTheirWordsWhereCosineDoesNot() throws Exception {
        Path db = dir.resolve("words.db");
        OutcomeMemory.write(db, table, vectors, "ns", 0.5, i -> true);
        // A "capital" question's vector with a "prove" question's text: cosine sees capitals only, BM25 the proof.
        String proof = table.subject(1) + "-1";
        for (OfflineRetrieval retrieval : List.of(new OfflineRetrieval(false, 3, 3, 0), OfflineRetrieval.cosine(3))) {
            try (OfflineRetrieval.Opened memory = retrieval.open(db, "ns")) {
                var found = memory.retriever().retrieve("ns", vectors[0], table.prompt(1), new String[0], null,
                        OutcomeMemory.REFERENCE_TIME_MS, null, new float[FeatureLayout.MAX_CANDIDATES * FeatureLayout.CANDIDATE_WIDTH],
                        new float[FeatureLayout.QUERY_WIDTH]);
                assertEquals(3, found.size());
                boolean hasProof = java.util.Arrays.asList(found.ids).subList(0, 3).contains(proof);
                assertEquals(!retrieval.cosineStore(), hasProof, retrieval.describe() + ": " + java.util.Arrays.toString(found.ids));
            }
        }
    }

    @Test
    void memoryOfPastOutcomesSeparatesHardFromEasyAndTheReportIsComplete() throws Exception {
        Path db = dir.resolve("half.db");
        OutcomeMemory.write(db, table, vectors, "ns", 0.5, i -> i < 30);
        OfflineScoring.Scored s = OfflineScoring.score(table, vectors, db, "ns", SeedModelBuilder.build(), OfflineRetrieval.job(), 0.5, i -> i >= 30);
        assertEquals(10, s.size());
        double easy = 0, hard = 0;
        for (int j = 0; j < s.size(); j++) {
            if (s.labels()[j] == RoutingLabels.STRONG) hard += s.pStrong()[j]; else easy += s.pStrong()[j];
        }
        assertTrue(hard / 5 > easy / 5 + 0.1, "hard questions look harder: " + hard / 5 + " vs " + easy / 5);

        double[] weak = new double[10];
        double[] strong = new double[10];
        int[] tokens = new int[10];
        for (int j = 0; j < 10; j++) {
            weak[j] = table.weak(s.rows()[j]);
            strong[j] = table.strong(s.rows()[j]);
            tokens[j] = 20;
        }
        ConformalCalibration c = ConformalFit.fit(s, new double[] {0.1}, true, "test");
        Map<String, Object> r = RouterEvaluation.report(s, weak, strong, tokens, PricingTable.defaults(), c, 0.1);
        assertEquals(10, r.get("n"));
        List<?> points = (List<?>) r.get("points");
        assertEquals(11, points.size());
        double first = (Double) ((Map<?, ?>) points.get(0)).get("cost_usd");
        double last = (Double) ((Map<?, ?>) points.get(10)).get("cost_usd");
        assertEquals((Double) r.get("cost_all_strong_usd"), first, 1e-12);
        assertTrue(last < first);
        // Half the questions need the strong model, so a perfect ordering gives APGR 0.75 (PGR reaches 1 at 50%).
        assertEquals(0.75, (Double) r.get("apgr"), 1e-9, "hard questions ranked above every easy one");
        assertTrue(r.containsKey("violation_rate") && r.containsKey("coverage") && r.containsKey("cost_saved"));
    }

    @Test
    void oracleStrongShareIsTheSmallestTopScoredShareMeetingTheViolationRate() {
        OfflineScoring.Scored s = new OfflineScoring.Scored(new double[] {0.9, 0.8, 0.7, 0.2},
                new int[] {1, 0, 1, 1}, new int[] {0, 1, 2, 3});
        assertEquals(1.0, ConformalFit.oracleStrongShare(s, 0.0), 1e-12);
        assertEquals(0.75, ConformalFit.oracleStrongShare(s, 1.0 / 3), 1e-12);
        assertEquals(0.25, ConformalFit.oracleStrongShare(s, 2.0 / 3), 1e-12);
    }

    @Test
    void crossFittingScoresEachSubjectAgainstAMemoryOfTheOthersOnly() throws Exception {
        Path two = dir.resolve("two-subjects");
        Files.createDirectories(two);
        StringBuilder a = new StringBuilder("prompt,weak,strong\n");
        StringBuilder b = new StringBuilder("prompt,weak,strong\n");
        for (int i = 0; i < 6; i++) {
            a.append("\"What is the capital of country number ").append(i).append("?\",True,True\n");
            b.append("\"Prove that the sum of the first ").append(i + 2).append(" odd numbers is a perfect square.\",False,True\n");
        }
        Files.writeString(two.resolve("mmlu_a.csv"), a);
        Files.writeString(two.resolve("mmlu_b.csv"), b);
        OutcomeTable t = OutcomeTable.load(two, "prompt", "weak", "strong");
        float[][] v = PromptEmbeddings.of(t.prompts(), dir.resolve("cache"));
        byte[] model = SeedModelBuilder.build();

        // Two folds over two subjects: one subject each, so each is scored against the other alone.
        OfflineScoring.Scored crossFit = CrossFitScoring.score(t, v, 2, 1L, dir.resolve("crossfit"), "ns", model, OfflineRetrieval.job(), 0.5);
        assertEquals(t.size(), crossFit.size());
        for (int j = 0; j < crossFit.size(); j++) assertEquals(j, crossFit.rows()[j], "table order");
        Path onlyB = dir.resolve("only-b.db");
        OutcomeMemory.write(onlyB, t, v, "ns", 0.5, i -> t.subject(i).equals("b"));
        OfflineScoring.Scored aAgainstB = OfflineScoring.score(t, v, onlyB, "ns", model, OfflineRetrieval.job(), 0.5, i -> t.subject(i).equals("a"));
        for (int j = 0; j < aAgainstB.size(); j++) {
            assertEquals(aAgainstB.pStrong()[j], crossFit.pStrong()[aAgainstB.rows()[j]], 1e-12);
        }
        try (var left = Files.list(dir.resolve("crossfit"))) {
            assertEquals(0, left.count(), "temporary memories are removed");
        }
    }
}
