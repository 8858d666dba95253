package org.agentrouter.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.agentrouter.wire.AvroWire;
import org.agentrouter.wire.Embeddings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bookkeeping of one namespace's memories, without Flink: which version of a memory holds, which deletes
 * stand, and what feedback changes. The retrieval operator keeps the {@link State} in keyed state (checkpointed,
 * redistributed on rescale) and applies every memory change through this class; the search index follows
 * through {@link Effects}.
 *
 * <ul>
 *   <li><b>Versions</b>: a memory keeps its newest version by event time; an older version arriving later (a
 *   replay, or the job reading back what it published) changes nothing.
 *   <li><b>Deletes</b> leave a marker so an older upsert does not bring the memory back. A marker only has to
 *   outlive the older copies that can still arrive (in flight, or read late from the topic's head), so it is
 *   dropped {@code deleteMarkerRetentionMs} after it was set, by the expiry {@link #expire} applies.
 *   <li><b>Feedback</b> (once per query id): the memories the agent used count one more use, their last use time
 *   and running success mean change; the answered query becomes an episode memory {@code fb-<query id>} with its
 *   outcome on the route it took, when its vector is still among the recent queries ({@link #rememberQuery}).
 *   Every memory it changes is published (to agent-memories), so a job started without a checkpoint still has it.
 * </ul>
 */
public final class MemoryLedger {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryLedger.class);
    /** Prefix of the id of an episode made from feedback: {@code fb-<query id>}. */
    public static final String EPISODE_PREFIX = "fb-";

    /** A map of one namespace's keyed state: Flink's MapState in the job, a HashMap in tests. */
    public interface Table<V> {
        V get(String key) throws Exception;

        void put(String key, V value) throws Exception;

        void remove(String key) throws Exception;

        boolean contains(String key) throws Exception;

        Iterable<Map.Entry<String, V>> entries() throws Exception;

        Iterable<V> values() throws Exception;

        /** Removes the entries whose value matches; returns how many. */
        int removeWhere(Predicate<V> match) throws Exception;
    }

    /** A count kept in keyed state (absent: 0). */
    public interface Tally {
        int get() throws Exception;

        void set(int value) throws Exception;
    }

    /**
     * A query the namespace answered, kept for its feedback: the feedback carries neither its text nor its vector.
     * {@code vector} is in {@link PendingVectors}' form.
     */
    public record PendingQuery(byte[] vector, String text, String sessionId, String[] tags, long seenAtMs) {}

    /**
     * One namespace's ledger: the memories by id (their agent-memories records), delete markers (event time of the
     * delete) with their expiry (processing time), recent queries, and the query ids whose feedback was applied.
     */
    public record State(Table<byte[]> memories, Table<Long> deletedAt, Table<Long> markerExpiry,
                        Table<PendingQuery> recent, Tally recentCount, Table<Long> applied, Tally appliedCount) {}

    /** What a change does beside the state: the search index follows it, changed memories are published, cleanups are timed. */
    public interface Effects {
        /** The index's copy of the memory, or null when the index does not hold it. */
        MemoryRecord indexed(String namespace, String id);

        void index(MemoryRecord r, boolean replacing);

        void unindex(String namespace, String id);

        void publish(String id, byte[] record);

        /** Run {@link #expire} at (or after) this processing time. */
        void wakeAt(long atMs);
    }

    /** What the ledger did, for metrics. */
    public interface Counts {
        default void stale() {}

        default void markerSet() {}

        default void markerDropped() {}

        default void feedbackApplied() {}

        default void feedbackDuplicate() {}

        default void feedbackWithoutQuery() {}

        default void episodeAdded() {}
    }

    /** How long things are kept and how many, per namespace. */
    public record Settings(long recentQueryTtlMs, int recentQueriesMax, long appliedFeedbackRetentionMs,
                           int appliedFeedbackMax, long deleteMarkerRetentionMs, String strongestRoute) {}

    private final Settings settings;
    private final Counts counts;

    public MemoryLedger(Settings settings, Counts counts) {
        this.settings = settings;
        this.counts = counts;
    }

    /** A new version of a memory; an older one than held (or than its delete) changes nothing. */
    public void upsert(State s, MemoryRecord r, Effects fx) throws Exception {
        MemoryRecord current = current(s, r.namespace, r.id, fx);
        Long deleted = s.deletedAt().get(r.id);
        if ((current != null && current.updatedAtMs > r.updatedAtMs) || (deleted != null && deleted > r.updatedAtMs)) {
            counts.stale();
            return;
        }
        s.memories().put(r.id, encode(r));
        if (deleted != null) {
            s.deletedAt().remove(r.id);
            s.markerExpiry().remove(r.id);
            counts.markerDropped();
        }
        fx.index(r, current != null);
    }

    /** A delete of event time {@code atMs}, arriving at processing time {@code nowMs}: leaves (or renews) a marker. */
    public void delete(State s, String ns, String id, long atMs, long nowMs, Effects fx) throws Exception {
        MemoryRecord current = current(s, ns, id, fx);
        if (current != null && current.updatedAtMs > atMs) {
            counts.stale();
            return;
        }
        Long deleted = s.deletedAt().get(id);
        s.deletedAt().put(id, deleted == null ? atMs : Math.max(deleted, atMs));
        if (deleted == null) counts.markerSet();
        // A repeated delete (the same record read again, or a newer one) restarts the retention: an older
        // copy may be on its way behind it too.
        long expiry = nowMs + settings.deleteMarkerRetentionMs();
        s.markerExpiry().put(id, expiry);
        fx.wakeAt(expiry);
        if (current != null) {
            s.memories().remove(id);
            fx.unindex(ns, id);
        }
    }

    /** Keeps an answered query for its feedback (bounded: at most recentQueriesMax per namespace). */
    public void rememberQuery(State s, String queryId, float[] embedding, String text, String sessionId, String[] tags,
                              long nowMs, Effects fx) throws Exception {
        if (queryId == null || embedding == null || embedding.length != Embeddings.DIM || settings.recentQueryTtlMs() <= 0) {
            return;
        }
        int c = s.recentCount().get();
        if (c >= settings.recentQueriesMax() || s.recent().contains(queryId)) {
            return;
        }
        s.recent().put(queryId, new PendingQuery(PendingVectors.encode(embedding), text == null ? "" : text, sessionId,
                tags == null ? new String[0] : tags, nowMs));
        s.recentCount().set(c + 1);
        fx.wakeAt(nowMs + settings.recentQueryTtlMs());
    }

    /**
     * An outcome reported for {@code queryId}: 1 success, 0 failure or the 0-1 quality, on {@code route}, with the
     * memories the agent put in the prompt. Applied once per query id.
     */
    public void feedback(State s, String ns, String queryId, String route, float outcome, String[] contextIds,
                         long eventTimeMs, long nowMs, Effects fx) throws Exception {
        String episodeId = EPISODE_PREFIX + queryId;
        if (applied(s, queryId)) {
            counts.feedbackDuplicate();
            return;
        }
        long at = eventTimeMs > 0 ? eventTimeMs : nowMs;
        boolean strong = settings.strongestRoute().equals(route);
        if (contextIds != null) {
            for (String id : contextIds) {
                MemoryRecord current = current(s, ns, id, fx);
                if (current == null) continue; // deleted since, or not of this namespace
                MemoryRecord u = current.copy();
                float previous = Float.isNaN(u.successRate) ? Float.NaN : u.successRate;
                u.successRate = Float.isNaN(previous) ? outcome : (previous * u.useCount + outcome) / (u.useCount + 1);
                u.useCount++;
                u.lastUsedAtMs = Math.max(u.lastUsedAtMs, at);
                u.updatedAtMs = Math.max(current.updatedAtMs + 1, nowMs);
                byte[] bytes = encode(u);
                s.memories().put(id, bytes);
                fx.index(u, true);
                fx.publish(u.id, bytes);
            }
        }
        PendingQuery q = s.recent().get(queryId);
        if (q != null) {
            MemoryRecord m = new MemoryRecord();
            m.id = episodeId;
            m.namespace = ns;
            m.kind = MemoryRecord.EPISODE;
            m.text = q.text();
            m.sessionId = q.sessionId();
            m.createdAtMs = at;
            m.successRate = outcome;
            m.confidence = 1f;
            if (strong) m.strongOutcome = outcome;
            else m.cheapOutcome = outcome;
            m.tags = q.tags() == null ? new String[0] : q.tags();
            m.sourceId = "feedback:" + queryId;
            m.embedding = PendingVectors.decode(q.vector());
            m.updatedAtMs = nowMs;
            byte[] bytes = encode(m);
            s.memories().put(m.id, bytes);
            fx.index(m, false);
            s.recent().remove(queryId);
            s.recentCount().set(Math.max(0, s.recentCount().get() - 1));
            counts.episodeAdded();
            fx.publish(m.id, bytes);
        } else {
            counts.feedbackWithoutQuery();
        }
        int count = s.appliedCount().get();
        if (count < settings.appliedFeedbackMax()) {
            s.applied().put(queryId, nowMs);
            s.appliedCount().set(count + 1);
            fx.wakeAt(nowMs + settings.appliedFeedbackRetentionMs());
        } else {
            LOG.warn("Namespace {}: {} applied feedback ids kept already; {} is not remembered", ns, count, queryId);
        }
        counts.feedbackApplied();
    }

    /** Whether the feedback of {@code queryId} was applied already (its id kept, or its episode made). */
    public boolean applied(State s, String queryId) throws Exception {
        return s.applied().contains(queryId) || s.memories().contains(EPISODE_PREFIX + queryId);
    }

    /** Drops what has expired by processing time {@code nowMs}: recent queries, applied feedback ids, delete markers. */
    public void expire(State s, long nowMs) throws Exception {
        int removed = s.recent().removeWhere(q -> q.seenAtMs() + settings.recentQueryTtlMs() <= nowMs);
        if (removed > 0) {
            s.recentCount().set(Math.max(0, s.recentCount().get() - removed));
        }
        removed = s.applied().removeWhere(appliedAt -> appliedAt + settings.appliedFeedbackRetentionMs() <= nowMs);
        if (removed > 0) {
            s.appliedCount().set(Math.max(0, s.appliedCount().get() - removed));
        }
        List<String> expired = new ArrayList<>();
        for (Map.Entry<String, Long> e : s.markerExpiry().entries()) {
            if (e.getValue() <= nowMs) expired.add(e.getKey());
        }
        // Table.remove rather than removing while iterating: Flink's heap backend drops a namespace's map entry
        // only when remove() empties it, so state really shrinks.
        for (String id : expired) {
            s.deletedAt().remove(id);
            s.markerExpiry().remove(id);
            counts.markerDropped();
        }
    }

    /** The memory as held: the index's record when it holds it, else decoded from state; null when absent. */
    public MemoryRecord current(State s, String ns, String id, Effects fx) throws Exception {
        MemoryRecord r = fx.indexed(ns, id);
        if (r != null) return r;
        byte[] b = s.memories().get(id);
        return b == null ? null : decode(b);
    }

    /** A memory as state holds it: its agent-memories record. */
    public static byte[] encode(MemoryRecord r) {
        return AvroWire.MEMORY.encode(MemoryMessages.toMessage(r, r.updatedAtMs));
    }

    public static MemoryRecord decode(byte[] b) {
        try {
            return MemoryMessages.fromMessage(AvroWire.MEMORY.decode(b));
        } catch (Exception e) {
            throw new IllegalStateException("unreadable memory in state: " + e.getMessage(), e);
        }
    }
}
