package org.agentrouter.memory;

import java.util.Arrays;

/**
 * Memories retrieved for one query, as parallel arrays (structure of arrays) so that a retrieval
 * operator can allocate one instance per task slot and refill it for every query without garbage.
 * Rows are ordered by similarity, best first. Unknown numeric values are NaN.
 */
public final class CandidateSet {
    private int size;
    public final String[] ids;
    public final float[] similarity;
    public final long[] createdAtMs;
    /** 0 when never used. */
    public final long[] lastUsedAtMs;
    public final int[] useCount;
    public final float[] successRate;
    public final float[] confidence;
    public final float[] cheapOutcome;
    public final float[] strongOutcome;
    public final String[] sessionId;
    public final String[] kind;
    /** Tags of each memory; never null, empty when none. */
    public final String[][] tags;
    /** The memory's text (null when unknown): the lexical and entity features read it. */
    public final String[] text;
    /** BM25 score of the memory against the query text, 0 when it was not among the lexical hits. */
    public final float[] lexicalScore;
    /** Rank (0 = best) among the lexical hits, -1 when not among them. */
    public final int[] lexicalRank;
    /** Rank (0 = best) among the dense (cosine) hits, -1 when it came from the lexical side only. */
    public final int[] denseRank;

    public CandidateSet(int capacity) {
        ids = new String[capacity];
        similarity = new float[capacity];
        createdAtMs = new long[capacity];
        lastUsedAtMs = new long[capacity];
        useCount = new int[capacity];
        successRate = new float[capacity];
        confidence = new float[capacity];
        cheapOutcome = new float[capacity];
        strongOutcome = new float[capacity];
        sessionId = new String[capacity];
        kind = new String[capacity];
        tags = new String[capacity][];
        text = new String[capacity];
        lexicalScore = new float[capacity];
        lexicalRank = new int[capacity];
        denseRank = new int[capacity];
        clear();
    }

    public int capacity() {
        return ids.length;
    }

    public int size() {
        return size;
    }

    public void clear() {
        size = 0;
    }

    /** Appends a row and returns its index; the caller fills the arrays at that index. */
    public int add(String id, float sim) {
        if (size == ids.length) {
            throw new IllegalStateException("candidate set full at " + size);
        }
        int i = size++;
        ids[i] = id;
        similarity[i] = sim;
        createdAtMs[i] = 0L;
        lastUsedAtMs[i] = 0L;
        useCount[i] = 0;
        successRate[i] = Float.NaN;
        confidence[i] = Float.NaN;
        cheapOutcome[i] = Float.NaN;
        strongOutcome[i] = Float.NaN;
        sessionId[i] = null;
        kind[i] = null;
        tags[i] = NO_TAGS;
        text[i] = null;
        lexicalScore[i] = 0f;
        lexicalRank[i] = -1;
        denseRank[i] = i;
        return i;
    }

    /**
     * Removes the rows whose similarity is at least {@code limit}, keeping the order of the rest;
     * returns how many were removed. Offline evaluation uses it so that a question never sees its own
     * stored outcome (an identical text has similarity 1).
     */
    public int removeSimilarAtLeast(float limit) {
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (similarity[i] >= limit) continue;
            if (kept != i) {
                ids[kept] = ids[i];
                similarity[kept] = similarity[i];
                createdAtMs[kept] = createdAtMs[i];
                lastUsedAtMs[kept] = lastUsedAtMs[i];
                useCount[kept] = useCount[i];
                successRate[kept] = successRate[i];
                confidence[kept] = confidence[i];
                cheapOutcome[kept] = cheapOutcome[i];
                strongOutcome[kept] = strongOutcome[i];
                sessionId[kept] = sessionId[i];
                kind[kept] = kind[i];
                tags[kept] = tags[i];
                text[kept] = text[i];
                lexicalScore[kept] = lexicalScore[i];
                lexicalRank[kept] = lexicalRank[i];
                denseRank[kept] = denseRank[i];
            }
            kept++;
        }
        int removed = size - kept;
        size = kept;
        return removed;
    }

    public static final String[] NO_TAGS = new String[0];

    @Override
    public String toString() {
        return "CandidateSet{size=" + size + ", ids=" + Arrays.toString(Arrays.copyOf(ids, Math.min(size, 5))) + "...}";
    }
}
