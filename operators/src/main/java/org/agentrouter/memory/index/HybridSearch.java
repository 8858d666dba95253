package org.agentrouter.memory.index;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryKinds;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.RetrievalFilter;
import org.agentrouter.memory.kernels.FloatCosine;
import org.agentrouter.memory.lexical.LexicalIndex;

/**
 * Candidate generation from both sides of a namespace's memory: the dense top-k of {@link LiveMemoryIndex}
 * (cosine of MiniLM vectors) and the lexical top-k of {@link LexicalIndex} (BM25 over the texts), fused by
 * reciprocal rank (RRF, constant {@link #RRF_K}: score = sum over both lists of 1 / (RRF_K + rank)), the best
 * {@code k} of the union kept. Each side alone misses evidence the other finds: on LoCoMo, cosine's top 100
 * held 0.81 of the evidence turns and the fused top 128 0.89 (BENCHMARKS.md, "Which memories matter").
 *
 * <p>The rows come out ordered by cosine, best first, as from the dense index alone (models read the first
 * rows as the closest memories); each carries its BM25 score and both ranks ({@link CandidateSet#lexicalScore},
 * {@link CandidateSet#lexicalRank}, {@link CandidateSet#denseRank}) for the scorer's features. A memory found by
 * its words only gets its exact cosine from its float vector. Without a query text the result is the dense
 * top-k.
 *
 * <p>With session neighbours on ({@code sessionNeighbours > 0}), the turns within {@link #NEIGHBOUR_DISTANCE} places
 * of the {@link #NEIGHBOUR_SOURCES} best dense and the as many best lexical hits in their session
 * ({@link LiveMemoryIndex#sessionNeighbour}) join the candidates when they are not among them yet (at most
 * {@code sessionNeighbours}, the nearest turns of the best hits first), in place of the candidates of lowest fused
 * score: in a conversation the answer is often next to the turn that matches the question in words or meaning
 * (on LoCoMo the candidates then hold 0.92 of the evidence instead of 0.90). An added turn keeps its ranks when a
 * search found it below the cut, and has none (dense and lexical rank -1) otherwise. One per task slot (it owns its
 * buffers), not thread-safe.
 */
public final class HybridSearch {
    /** The usual RRF constant (Cormack et al. 2009); it damps the difference between the first ranks. */
    public static final int RRF_K = 60;
    /** Best dense and best lexical hits whose session neighbours are added. */
    public static final int NEIGHBOUR_SOURCES = 3;
    /** Session neighbours up to this many turns before and after a best hit. */
    public static final int NEIGHBOUR_DISTANCE = 2;

    private final LiveMemoryIndex dense;
    private final LexicalIndex lexical;
    private final int lexicalK;
    private final int sessionNeighbours;
    /** Per fusion slot: among the candidates kept, and kept whatever its fused score (a neighbour or next to one). */
    private final boolean[] chosen;
    private final boolean[] pinned;
    private final int[] sources = new int[2 * NEIGHBOUR_SOURCES];
    private final int[] added;
    private final CandidateSet denseHits;
    private final LexicalIndex.Hits lexicalHits;
    private final FloatCosine cosine = FloatCosine.best();
    /** Memory id -> slot in the fusion arrays; cleared per query. */
    private final Map<String, Integer> slotOf = new HashMap<>();
    private final double[] fused;
    private final int[] denseSlot;
    private final int[] lexicalSlot;
    private final String[] slotIds;
    private final long[] order;
    private final float[] sims;
    private final int[] kept;

    /**
     * @param capacity most candidates a search returns (the scorer's MAX_CANDIDATES)
     * @param lexicalK lexical hits fused per query (0: dense only)
     */
    public HybridSearch(LiveMemoryIndex dense, LexicalIndex lexical, int capacity, int lexicalK) {
        this(dense, lexical, capacity, lexicalK, 0);
    }

    /**
     * @param sessionNeighbours most session neighbours of the best hits added per query (0: none)
     */
    public HybridSearch(LiveMemoryIndex dense, LexicalIndex lexical, int capacity, int lexicalK, int sessionNeighbours) {
        if (sessionNeighbours < 0 || sessionNeighbours > capacity) {
            throw new IllegalArgumentException("session neighbours must be in [0, " + capacity + "], got " + sessionNeighbours);
        }
        this.dense = dense;
        this.lexical = lexical;
        this.lexicalK = lexical == null ? 0 : lexicalK;
        this.sessionNeighbours = sessionNeighbours;
        this.denseHits = new CandidateSet(capacity);
        this.lexicalHits = new LexicalIndex.Hits(Math.max(1, this.lexicalK));
        int slots = capacity + Math.max(1, this.lexicalK) + sessionNeighbours;
        chosen = new boolean[slots];
        pinned = new boolean[slots];
        added = new int[Math.max(1, sessionNeighbours)];
        fused = new double[slots];
        denseSlot = new int[slots];
        lexicalSlot = new int[slots];
        slotIds = new String[slots];
        order = new long[slots];
        sims = new float[capacity];
        kept = new int[capacity];
    }

    /**
     * The best {@code k} memories of the namespace for the query vector and text, by RRF of the dense top k and
     * the lexical top {@code lexicalK}, ordered by cosine.
     *
     * @return rows filled into {@code out}
     */
    public int topK(String namespace, float[] query, String text, int k, RetrievalFilter filter, CandidateSet out) {
        if (k < 1 || k > out.capacity() || k > denseHits.capacity()) {
            throw new IllegalArgumentException("k must be in [1, " + Math.min(out.capacity(), denseHits.capacity()) + "], got " + k);
        }
        dense.topK(namespace, query, k, filter, denseHits);
        int lexicalFound = lexicalK == 0 || text == null ? 0 : lexical.search(namespace, text, lexicalK, lexicalHits);
        slotOf.clear();
        int slots = 0;
        for (int i = 0; i < denseHits.size(); i++) {
            slotIds[slots] = denseHits.ids[i];
            denseSlot[slots] = i;
            lexicalSlot[slots] = -1;
            fused[slots] = 1.0 / (RRF_K + i + 1);
            slotOf.put(denseHits.ids[i], slots++);
        }
        for (int j = 0; j < lexicalFound; j++) {
            Integer s = slotOf.get(lexicalHits.ids[j]);
            if (s == null) {
                MemoryRecord r = dense.get(namespace, lexicalHits.ids[j]);
                if (r == null || !accepts(filter, r)) continue; // not searchable (index budget) or filtered out
                s = slots++;
                slotIds[s] = lexicalHits.ids[j];
                denseSlot[s] = -1;
                fused[s] = 0;
                slotOf.put(lexicalHits.ids[j], s);
            }
            lexicalSlot[s] = j;
            fused[s] += 1.0 / (RRF_K + j + 1);
        }
        // The best k by fused score (ties: dense first, then lexical order, as the slots were made).
        sortByFused(slots);
        int take = Math.min(k, slots);
        if (sessionNeighbours > 0) take = addSessionNeighbours(namespace, filter, k, take, slots, lexicalFound);
        // Then by cosine, best first: compute the lexical-only rows' cosine, sort the kept slots.
        double qNorm = 0;
        for (float x : query) qNorm += (double) x * x;
        qNorm = Math.sqrt(qNorm);
        for (int t = 0; t < take; t++) {
            int s = (int) order[t];
            kept[t] = s;
            sims[t] = denseSlot[s] >= 0 ? denseHits.similarity[denseSlot[s]]
                    : (float) cosine.cosine(query, qNorm, dense.get(namespace, slotIds[s]).embedding);
        }
        for (int t = 0; t < take; t++) {
            int bits = Float.floatToIntBits(sims[t]);
            int ordered = bits >= 0 ? bits : bits ^ 0x7fffffff;
            order[t] = ((long) ~ordered << 32) | t;
        }
        Arrays.sort(order, 0, take);
        out.clear();
        float top = lexicalFound > 0 ? lexicalHits.scores[0] : 0f;
        for (int t = 0; t < take; t++) {
            int s = kept[(int) order[t]];
            int c;
            if (denseSlot[s] >= 0) {
                c = copyDense(denseSlot[s], out);
            } else {
                c = copyRecord(dense.get(namespace, slotIds[s]), sims[(int) order[t]], out);
                out.denseRank[c] = -1;
            }
            int j = lexicalSlot[s];
            out.lexicalRank[c] = j;
            out.lexicalScore[c] = j >= 0 ? lexicalHits.scores[j] : 0f;
        }
        return out.size();
    }

    /**
     * Puts the session neighbours of the best hits into order[0, result), in place of the kept slots of lowest fused
     * score (order[0, take) holds the kept slots, best first); slots are created for neighbours no search found.
     */
    private int addSessionNeighbours(String namespace, RetrievalFilter filter, int k, int take, int slots, int lexicalFound) {
        int nSources = 0;
        for (int r = 0; r < NEIGHBOUR_SOURCES; r++) {
            if (r < denseHits.size()) sources[nSources++] = r; // dense slot r is dense rank r
            if (r < lexicalFound) {
                Integer s = slotOf.get(lexicalHits.ids[r]);
                if (s != null) sources[nSources++] = s;
            }
        }
        Arrays.fill(chosen, 0, slots, false);
        Arrays.fill(pinned, 0, slots, false);
        for (int t = 0; t < take; t++) chosen[(int) order[t]] = true;
        int nAdded = 0;
        for (int d = 1; d <= NEIGHBOUR_DISTANCE; d++) {
            for (int q = 0; q < nSources; q++) {
                if (!chosen[sources[q]]) continue;
                for (int offset = -d; offset <= d; offset += 2 * d) {
                    MemoryRecord nb = dense.sessionNeighbour(namespace, slotIds[sources[q]], offset);
                    if (nb == null || !accepts(filter, nb)) continue;
                    Integer s = slotOf.get(nb.id);
                    if (s != null && chosen[s]) {
                        pinned[s] = true; // already a candidate: keep it there
                        continue;
                    }
                    if (nAdded == sessionNeighbours) continue;
                    if (s == null) {
                        s = slots++;
                        slotIds[s] = nb.id;
                        denseSlot[s] = -1;
                        lexicalSlot[s] = -1;
                        fused[s] = 0;
                        slotOf.put(nb.id, s);
                    }
                    chosen[s] = true;
                    pinned[s] = true;
                    added[nAdded++] = s;
                }
            }
        }
        // Drop the kept slots of lowest fused score that are not pinned, as many as the room needs.
        int drop = Math.max(0, take + nAdded - k);
        for (int t = take - 1; t >= 0 && drop > 0; t--) {
            if (pinned[(int) order[t]]) continue;
            order[t] = -1;
            drop--;
        }
        int n = 0;
        for (int t = 0; t < take; t++) if (order[t] >= 0) order[n++] = order[t];
        for (int a = 0; a < nAdded && n < k; a++) order[n++] = added[a];
        return n;
    }

    /** Fused order: sorts order[0, n) by fused score (descending), then slot. */
    private void sortByFused(int n) {
        for (int s = 0; s < n; s++) {
            // fused > 0: its float bits order like the value; negate for descending.
            order[s] = ((long) (Integer.MAX_VALUE - Float.floatToIntBits((float) fused[s])) << 32) | s;
        }
        Arrays.sort(order, 0, n);
        for (int s = 0; s < n; s++) order[s] = (int) order[s];
    }

    private int copyDense(int i, CandidateSet out) {
        CandidateSet d = denseHits;
        int c = out.add(d.ids[i], d.similarity[i]);
        out.createdAtMs[c] = d.createdAtMs[i];
        out.lastUsedAtMs[c] = d.lastUsedAtMs[i];
        out.useCount[c] = d.useCount[i];
        out.successRate[c] = d.successRate[i];
        out.confidence[c] = d.confidence[i];
        out.cheapOutcome[c] = d.cheapOutcome[i];
        out.strongOutcome[c] = d.strongOutcome[i];
        out.sessionId[c] = d.sessionId[i];
        out.kind[c] = d.kind[i];
        out.tags[c] = d.tags[i];
        out.text[c] = d.text[i];
        out.vector[c] = d.vector[i];
        out.denseRank[c] = i;
        return c;
    }

    private static int copyRecord(MemoryRecord r, float similarity, CandidateSet out) {
        int c = out.add(r.id, similarity);
        out.createdAtMs[c] = r.createdAtMs;
        out.lastUsedAtMs[c] = r.lastUsedAtMs;
        out.useCount[c] = r.useCount;
        out.successRate[c] = r.successRate;
        out.confidence[c] = r.confidence;
        out.cheapOutcome[c] = r.cheapOutcome;
        out.strongOutcome[c] = r.strongOutcome;
        out.sessionId[c] = r.sessionId;
        out.kind[c] = MemoryKinds.canonical(r.kind);
        out.tags[c] = r.tags == null ? CandidateSet.NO_TAGS : r.tags;
        out.text[c] = r.text;
        out.vector[c] = r.embedding;
        return c;
    }

    /** The filter's rules for a memory the dense scan did not test (found by its words). */
    static boolean accepts(RetrievalFilter f, MemoryRecord r) {
        if (f == null) return true;
        if (f.hasKind() && !MemoryKinds.canonical(f.kind()).equals(MemoryKinds.canonical(r.kind))) return false;
        if (f.hasMinConfidence() && (Float.isNaN(r.confidence) || r.confidence < f.minConfidence())) return false;
        if (f.hasTag()) {
            if (r.tags == null) return false;
            for (String t : r.tags) if (f.tag().equals(t)) return true;
            return false;
        }
        return true;
    }
}
