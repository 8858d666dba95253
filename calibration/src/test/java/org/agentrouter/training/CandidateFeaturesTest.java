package org.agentrouter.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.agentrouter.calibration.OutcomeMemory;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.features.CandidateRetriever;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.store.MemoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's candidate rows are the job's: the same prompts retrieved from a real sqlite-vec memory
 * store by the job's {@link CandidateRetriever} give the rows {@link CandidateFeatures} builds from the
 * in-memory index, column for column.
 */
class CandidateFeaturesTest {
    @TempDir
    Path dir;

    @Test
    void sameRowsAsTheJobsRetrieval() throws Exception {
        int n = 240;
        StringBuilder a = new StringBuilder("prompt,weak,strong\n");
        StringBuilder b = new StringBuilder("prompt,weak,strong\n");
        Random random = new Random(9);
        for (int i = 0; i < n; i++) {
            StringBuilder csv = i % 2 == 0 ? a : b;
            csv.append("\"question ").append(i).append("\",").append(random.nextBoolean() ? "True" : "False").append(',')
                    .append(random.nextDouble() < 0.8 ? "True" : "False").append('\n');
        }
        Files.writeString(dir.resolve("mmlu_alpha.csv"), a);
        Files.writeString(dir.resolve("mmlu_beta.csv"), b);
        OutcomeTable table = OutcomeTable.load(dir, "prompt", "weak", "strong");
        float[][] vectors = new float[table.size()][FeatureLayout.EMBEDDING_DIM];
        float[] topic = new float[FeatureLayout.EMBEDDING_DIM];
        for (int d = 0; d < topic.length; d++) topic[d] = (float) random.nextGaussian();
        for (float[] v : vectors) {
            // A shared topic direction makes similarities spread like real prompts' instead of all near 0.
            double norm = 0;
            for (int d = 0; d < v.length; d++) {
                v[d] = topic[d] * 0.3f + (float) random.nextGaussian();
                norm += v[d] * v[d];
            }
            for (int d = 0; d < v.length; d++) v[d] /= (float) Math.sqrt(norm);
        }
        int[] rows = new int[table.size()];
        for (int i = 0; i < rows.length; i++) rows[i] = i;
        java.util.function.IntPredicate inMemory = i -> i % 4 != 0;
        Path db = dir.resolve("memory.db");
        OutcomeMemory.write(db, table, vectors, "ns", 0.5, inMemory);

        NeighbourIndex index = new NeighbourIndex(vectors);
        float[] fromStore = new float[TrainingSet.ROW_FLOATS];
        float[] fromIndex = new float[TrainingSet.ROW_FLOATS];
        float[] query = new float[FeatureLayout.QUERY_WIDTH];
        CandidateSet scratch = new CandidateSet(FeatureLayout.MAX_CANDIDATES);
        int compared = 0;
        try (MemoryStore store = MemoryStore.openReadOnly(db)) {
            CandidateRetriever retriever = new CandidateRetriever(store, 100);
            for (int q = 0; q < table.size(); q += 4) {
                CandidateSet found = retriever.retrieve("ns", vectors[q], table.prompt(q), new String[0], null,
                        OutcomeMemory.REFERENCE_TIME_MS, null, fromStore, query);
                assertEquals(100, found.size());
                CandidateFeatures.fill(table, rows, index.nearest(q, 100, inMemory), 0.5, table.prompt(q), scratch, fromIndex);
                assertArrayEquals(fromStore, fromIndex, 1e-5f, "prompt " + q);
                compared++;
            }
        }
        assertEquals(60, compared);
    }
}
