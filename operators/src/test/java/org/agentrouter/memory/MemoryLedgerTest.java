package org.agentrouter.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.agentrouter.wire.Embeddings;
import org.junit.jupiter.api.Test;

/** The ledger's rules without Flink: maps stand for keyed state, lists record what it publishes and indexes. */
class MemoryLedgerTest {
    private static final long DAY = 86_400_000L;

    private static <V> MemoryLedger.Table<V> table() {
        Map<String, V> m = new LinkedHashMap<>();
        return new MemoryLedger.Table<>() {
            public V get(String key) { return m.get(key); }
            public void put(String key, V value) { m.put(key, value); }
            public void remove(String key) { m.remove(key); }
            public boolean contains(String key) { return m.containsKey(key); }
            public Iterable<Map.Entry<String, V>> entries() { return new ArrayList<>(m.entrySet()); }
            public Iterable<V> values() { return m.values(); }
            public int removeWhere(Predicate<V> match) {
                int before = m.size();
                m.values().removeIf(match);
                return before - m.size();
            }
        };
    }

    private static MemoryLedger.Tally tally() {
        int[] v = {0};
        return new MemoryLedger.Tally() {
            public int get() { return v[0]; }
            public void set(int value) { v[0] = value; }
        };
    }

    private final MemoryLedger.State state = new MemoryLedger.State(table(), table(), table(), table(), tally(), table(), tally());
    private final Map<String, MemoryRecord> index = new HashMap<>();
    private final List<String> published = new ArrayList<>();
    private final TreeMap<Long, Integer> wakeUps = new TreeMap<>();
    private final Map<String, Integer> counted = new TreeMap<>();
    private final MemoryLedger.Effects fx = new MemoryLedger.Effects() {
        public MemoryRecord indexed(String namespace, String id) { return index.get(id); }
        public void index(MemoryRecord r, boolean replacing) { index.put(r.id, r); }
        public void unindex(String namespace, String id) { index.remove(id); }
        public void publish(String id, byte[] record) { published.add(id); }
        public void wakeAt(long atMs) { wakeUps.merge(atMs, 1, Integer::sum); }
    };
    private final MemoryLedger ledger = new MemoryLedger(new MemoryLedger.Settings(600_000, 2, 7 * DAY, 200_000, DAY, "strong"),
            new MemoryLedger.Counts() {
                public void stale() { counted.merge("stale", 1, Integer::sum); }
                public void markerSet() { counted.merge("markerSet", 1, Integer::sum); }
                public void markerDropped() { counted.merge("markerDropped", 1, Integer::sum); }
                public void feedbackDuplicate() { counted.merge("duplicate", 1, Integer::sum); }
                public void feedbackWithoutQuery() { counted.merge("withoutQuery", 1, Integer::sum); }
                public void episodeAdded() { counted.merge("episode", 1, Integer::sum); }
            });

    private static float[] vector(long seed) {
        Random rnd = new Random(seed);
        float[] v = new float[Embeddings.DIM];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        return v;
    }

    private static MemoryRecord memory(String id, long version) {
        MemoryRecord r = new MemoryRecord();
        r.id = id;
        r.namespace = "ns";
        r.kind = MemoryRecord.SKILL;
        r.text = "memory " + id + " v" + version;
        r.embedding = vector(id.hashCode());
        r.createdAtMs = 1;
        r.updatedAtMs = version;
        return r;
    }

    @Test
    void theNewestVersionWinsAndADeleteMarkerKeepsOlderCopiesOutUntilItExpires() throws Exception {
        ledger.upsert(state, memory("m", 20), fx);
        ledger.upsert(state, memory("m", 10), fx); // older, read late
        assertEquals("memory m v20", index.get("m").text);

        ledger.delete(state, "ns", "m", 30, 1_000, fx);
        assertNull(index.get("m"));
        assertNull(state.memories().get("m"));
        ledger.upsert(state, memory("m", 25), fx); // older than the delete: stays deleted
        assertNull(state.memories().get("m"));
        assertEquals(1_000 + DAY, wakeUps.firstKey());

        ledger.expire(state, 1_000 + DAY);
        assertNull(state.deletedAt().get("m"));
        ledger.upsert(state, memory("m", 26), fx); // the marker is gone: an old copy now comes back (retention is the bound)
        assertNotNull(state.memories().get("m"));
        assertEquals(Map.of("markerDropped", 1, "markerSet", 1, "stale", 2), counted);
    }

    @Test
    void feedbackCountsAUseOnceAndTurnsARecentQueryIntoAnEpisode() throws Exception {
        ledger.upsert(state, memory("used", 5), fx);
        float[] q = vector(99);
        ledger.rememberQuery(state, "q1", q, "how?", "s", new String[] {"t"}, 100, fx);
        ledger.feedback(state, "ns", "q1", "strong", 1f, new String[] {"used", "gone"}, 50, 200, fx);
        ledger.feedback(state, "ns", "q1", "strong", 1f, new String[] {"used"}, 50, 300, fx); // replayed

        MemoryRecord used = MemoryLedger.decode(state.memories().get("used"));
        assertEquals(1, used.useCount);
        assertEquals(1f, used.successRate);
        assertEquals(50, used.lastUsedAtMs);
        MemoryRecord episode = MemoryLedger.decode(state.memories().get("fb-q1"));
        assertEquals(MemoryRecord.EPISODE, episode.kind);
        assertEquals(1f, episode.strongOutcome);
        assertTrue(Float.isNaN(episode.cheapOutcome));
        assertEquals("how?", episode.text);
        assertEquals(q[7], episode.embedding[7], Math.abs(q[7]) / 2048); // kept as float16 while it waited
        assertEquals(List.of("used", "fb-q1"), published);
        assertEquals(0, state.recentCount().get());
        assertEquals(Map.of("duplicate", 1, "episode", 1), counted);
    }

    @Test
    void recentQueriesAreBoundedAndExpireAndLateFeedbackOnlyUpdatesStatistics() throws Exception {
        ledger.rememberQuery(state, "a", vector(1), "a", null, null, 0, fx);
        ledger.rememberQuery(state, "b", vector(2), "b", null, null, 0, fx);
        ledger.rememberQuery(state, "c", vector(3), "c", null, null, 0, fx); // over the bound of 2
        ledger.rememberQuery(state, "short", new float[3], "d", null, null, 0, fx); // not a 384-d vector
        assertEquals(2, state.recentCount().get());
        assertNull(state.recent().get("c"));

        ledger.expire(state, 600_000);
        assertEquals(0, state.recentCount().get());
        ledger.feedback(state, "ns", "a", "cheap", 0f, null, 0, 700_000, fx);
        assertNull(state.memories().get("fb-a"));
        assertEquals(Map.of("withoutQuery", 1), counted);
        assertTrue(state.applied().contains("a"));
        ledger.expire(state, 700_000 + 7 * DAY);
        assertEquals(0, state.appliedCount().get());
    }
}
