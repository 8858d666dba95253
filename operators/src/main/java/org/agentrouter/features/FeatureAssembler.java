package org.agentrouter.features;

import static org.agentrouter.features.FeatureLayout.*;

import java.util.Arrays;
import org.agentrouter.memory.CandidateSet;

/**
 * Fills the model inputs defined by {@link FeatureLayout} from retrieved candidates and the query.
 * Used by the retrieval operator, by training and by evaluation, so all three compute the same
 * numbers. Writes into caller-owned arrays: nothing is allocated per query.
 */
public final class FeatureAssembler {
    private static final double MS_PER_DAY = 86_400_000.0;
    private static final double LN2 = Math.log(2.0);
    private static final double LOG_SATURATION = Math.log1p(FREQUENCY_SATURATION);
    /**
     * The frequency column for every use count below saturation, computed once with the formula of
     * {@link #frequency}: a log per candidate row was a tenth of the row's cost. Counts at or above
     * saturation give 1.
     */
    private static final float[] FREQUENCY_BY_COUNT = new float[(int) FREQUENCY_SATURATION];

    static {
        for (int count = 0; count < FREQUENCY_BY_COUNT.length; count++) {
            FREQUENCY_BY_COUNT[count] = frequency(count);
        }
    }

    private FeatureAssembler() {}

    /**
     * @param out [MAX_CANDIDATES * CANDIDATE_WIDTH]; rows past the candidate count are zeroed
     * @return how many rows were filled
     */
    public static int candidates(CandidateSet c, long nowMs, String[] queryTags, String querySession, float[] out) {
        int n = Math.min(c.size(), MAX_CANDIDATES);
        for (int i = 0; i < n; i++) {
            int row = i * CANDIDATE_WIDTH;
            out[row + C_PRESENT] = 1f;
            out[row + C_SIMILARITY] = c.similarity[i];
            long last = c.lastUsedAtMs[i] > 0 ? c.lastUsedAtMs[i] : c.createdAtMs[i];
            double days = Math.max(0.0, (nowMs - last) / MS_PER_DAY);
            out[row + C_RECENCY] = last > 0 ? (float) Math.exp(-LN2 * days / RECENCY_HALF_LIFE_DAYS) : 0f;
            out[row + C_CONFIDENCE] = orHalf(c.confidence[i]);
            int uses = Math.max(0, c.useCount[i]);
            out[row + C_FREQUENCY] = uses < FREQUENCY_BY_COUNT.length ? FREQUENCY_BY_COUNT[uses] : frequency(uses);
            out[row + C_TAG_OVERLAP] = jaccard(queryTags, c.tags[i]);
            out[row + C_SAME_SESSION] = querySession != null && querySession.equals(c.sessionId[i]) ? 1f : 0f;
            out[row + C_SUCCESS] = orHalf(c.successRate[i]);
            boolean cheapKnown = !Float.isNaN(c.cheapOutcome[i]);
            boolean strongKnown = !Float.isNaN(c.strongOutcome[i]);
            out[row + C_CHEAP_OUTCOME] = cheapKnown ? c.cheapOutcome[i] : 0.5f;
            out[row + C_STRONG_OUTCOME] = strongKnown ? c.strongOutcome[i] : 0.5f;
            out[row + C_OUTCOME_KNOWN] = cheapKnown || strongKnown ? 1f : 0f;
            // The context columns (layout 2) are ContextFeatures' to fill; zero until it does.
            Arrays.fill(out, row + V1_CANDIDATE_WIDTH, row + CANDIDATE_WIDTH, 0f);
        }
        Arrays.fill(out, n * CANDIDATE_WIDTH, MAX_CANDIDATES * CANDIDATE_WIDTH, 0f);
        return n;
    }

    /** @param out [QUERY_WIDTH] */
    public static void query(float[] embedding, String text, int candidateCount, float[] out) {
        System.arraycopy(embedding, 0, out, 0, EMBEDDING_DIM);
        int len = text == null ? 0 : text.length();
        out[Q_LENGTH] = (float) (Math.log1p(len) / 10.0);
        out[Q_CODE] = TextSignals.looksLikeCode(text) ? 1f : 0f;
        out[Q_MATH] = TextSignals.looksLikeMath(text) ? 1f : 0f;
        out[Q_CANDIDATE_FILL] = Math.min(candidateCount, MAX_CANDIDATES) / (float) MAX_CANDIDATES;
    }

    /** log1p(use count) / log1p(FREQUENCY_SATURATION), clipped to 1. */
    static float frequency(long uses) {
        return (float) Math.min(1.0, Math.log1p(uses) / LOG_SATURATION);
    }

    private static float orHalf(float v) {
        return Float.isNaN(v) ? 0.5f : Math.max(0f, Math.min(1f, v));
    }

    static float jaccard(String[] a, String[] b) {
        if (a == null || b == null || a.length == 0 || b.length == 0) {
            return 0f;
        }
        int common = 0;
        for (String x : a) {
            for (String y : b) {
                if (x.equals(y)) {
                    common++;
                    break;
                }
            }
        }
        int union = a.length + b.length - common;
        return union == 0 ? 0f : common / (float) union;
    }
}
