package org.agentrouter.calibration;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.store.MemoryStore;

/**
 * Past answered questions as memories: each row becomes an episode whose cheap and strong outcomes
 * are the two models' results on it. This is the evidence the scorer reads at routing time.
 */
public final class OutcomeMemory {
    private OutcomeMemory() {}

    /** Memories get one fixed time so recency does not vary across an offline run. */
    public static final long REFERENCE_TIME_MS = 1_700_000_000_000L;

    /** Writes the rows accepted by {@code include} into a new store at {@code db}; returns how many. */
    public static int write(Path db, OutcomeTable table, float[][] vectors, String namespace, double goodAt,
                            IntPredicate include) throws Exception {
        List<MemoryRecord> batch = new ArrayList<>();
        int written = 0;
        try (MemoryStore store = MemoryStore.openWritable(db)) {
            for (int i = 0; i < table.size(); i++) {
                if (!include.test(i)) continue;
                batch.add(record(table, vectors, namespace, goodAt, i));
                if (batch.size() == 1000) {
                    store.upsert(batch);
                    written += batch.size();
                    batch.clear();
                }
            }
            store.upsert(batch);
            written += batch.size();
        }
        return written;
    }

    static MemoryRecord record(OutcomeTable table, float[][] vectors, String namespace, double goodAt, int row) {
        MemoryRecord m = new MemoryRecord();
        m.id = table.subject(row) + "-" + row;
        m.namespace = namespace;
        m.kind = "episode";
        m.text = table.prompt(row);
        m.createdAtMs = REFERENCE_TIME_MS;
        m.lastUsedAtMs = 0L;
        m.useCount = 0;
        m.cheapOutcome = (float) (table.weak(row) >= goodAt ? 1.0 : 0.0);
        m.strongOutcome = (float) (table.strong(row) >= goodAt ? 1.0 : 0.0);
        m.successRate = Math.max(m.cheapOutcome, m.strongOutcome);
        m.reward = Float.NaN;
        m.confidence = Float.NaN;
        m.tags = new String[] {table.subject(row)};
        m.sourceId = table.subject(row);
        m.embedding = vectors[row];
        return m;
    }
}
