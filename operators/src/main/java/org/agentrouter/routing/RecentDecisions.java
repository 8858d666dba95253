package org.agentrouter.routing;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The first fallback level: the scorer's recent confident decisions per namespace, so that a query
 * nearly identical to one decided a moment ago gets the same route while the scorer is down.
 * A bounded in-memory cache per task slot (losing it on restart only costs fallback quality).
 */
public final class RecentDecisions {
    /** What a fallback may reuse. */
    public record Entry(float[] embedding, int route, double confidence, long decidedAtMs, String queryId) {}

    private final int perNamespace;
    private final double minSimilarity;
    private final long maxAgeMs;
    private final double minConfidence;
    private final Map<String, ArrayDeque<Entry>> byNamespace = new HashMap<>();

    public RecentDecisions(int perNamespace, double minSimilarity, long maxAgeMs, double minConfidence) {
        this.perNamespace = perNamespace;
        this.minSimilarity = minSimilarity;
        this.maxAgeMs = maxAgeMs;
        this.minConfidence = minConfidence;
    }

    /** The defaults: 64 per namespace, cosine >= 0.95, at most 10 minutes old, confidence > 0.7. */
    public static RecentDecisions defaults() {
        return new RecentDecisions(64, 0.95, 600_000, 0.7);
    }

    /** Remembers a decision the scorer made (fallback decisions are never remembered). */
    public void remember(String namespace, float[] embedding, int route, double confidence, long nowMs, String queryId) {
        if (embedding == null || confidence <= minConfidence) return;
        ArrayDeque<Entry> q = byNamespace.computeIfAbsent(namespace, n -> new ArrayDeque<>(perNamespace));
        if (q.size() == perNamespace) q.removeFirst();
        q.addLast(new Entry(embedding, route, confidence, nowMs, queryId));
    }

    /** The most similar fresh entry of the namespace above the similarity floor, or null. */
    public Entry nearest(String namespace, float[] embedding, long nowMs) {
        ArrayDeque<Entry> q = byNamespace.get(namespace);
        if (q == null || embedding == null) return null;
        Entry best = null;
        double bestSim = minSimilarity;
        for (Iterator<Entry> it = q.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (nowMs - e.decidedAtMs() > maxAgeMs) {
                it.remove(); // entries are in time order, so stale ones sit at the front
                continue;
            }
            double sim = dot(e.embedding(), embedding); // both unit length
            if (sim >= bestSim) {
                bestSim = sim;
                best = e;
            }
        }
        return best;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
