package org.agentrouter.training;

import org.agentrouter.features.ContextFeatures;

import org.agentrouter.calibration.OutcomeMemory;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.features.FeatureAssembler;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.memory.CandidateSet;

/**
 * The model input of one prompt, [MAX_CANDIDATES x CANDIDATE_WIDTH], from its neighbours: each neighbour
 * becomes the memory {@link OutcomeMemory} would store for it (binary outcomes at {@code goodAt}, success =
 * either route answered well, no confidence, never used, one reference time), and the job's own
 * {@link FeatureAssembler} turns the candidates into rows. Queries carry no tags and no session, as in
 * offline scoring.
 */
public final class CandidateFeatures {
    private CandidateFeatures() {}

    /**
     * @param tableRows neighbour index position -> row of {@code table}
     * @param out [MAX_CANDIDATES * CANDIDATE_WIDTH], overwritten
     * @return how many candidate rows are present
     */
    public static int fill(OutcomeTable table, int[] tableRows, NeighbourIndex.Neighbours neighbours, double goodAt,
                            CandidateSet scratch, float[] out) {
        return fill(table, tableRows, neighbours, goodAt, null, scratch, out);
    }

    /**
     * As above, with the query's text for the context columns of layout 2 ({@link ContextFeatures}; the neighbours
     * carry no text and no BM25 score, as memories of a store read without a lexical index).
     */
    public static int fill(OutcomeTable table, int[] tableRows, NeighbourIndex.Neighbours neighbours, double goodAt,
                           String queryText, CandidateSet scratch, float[] out) {
        scratch.clear();
        int n = Math.min(neighbours.rows().length, FeatureLayout.MAX_CANDIDATES);
        for (int i = 0; i < n; i++) {
            int row = tableRows[neighbours.rows()[i]];
            int c = scratch.add(table.subject(row) + "-" + row, neighbours.similarities()[i]);
            scratch.createdAtMs[c] = OutcomeMemory.REFERENCE_TIME_MS;
            scratch.cheapOutcome[c] = table.weak(row) >= goodAt ? 1f : 0f;
            scratch.strongOutcome[c] = table.strong(row) >= goodAt ? 1f : 0f;
            scratch.successRate[c] = Math.max(scratch.cheapOutcome[c], scratch.strongOutcome[c]);
            scratch.tags[c] = new String[] {table.subject(row)};
        }
        int filled = FeatureAssembler.candidates(scratch, OutcomeMemory.REFERENCE_TIME_MS, CandidateSet.NO_TAGS, null, out);
        new ContextFeatures().fill(scratch, filled, queryText, out);
        return filled;
    }
}
