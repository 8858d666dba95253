package org.agentrouter.calibration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.agentrouter.eval.OutcomeTable;

/**
 * The memory the shipped model is calibrated with: the MMLU outcome data minus the held-out subjects,
 * split the same way every time, so `calibrate` and `eval` agree on what the router may remember.
 */
public final class ShippedMemory {
    private ShippedMemory() {}

    public static final String NAMESPACE = "mmlu";
    public static final long SEED = 7;
    public static final double HELD_OUT_SHARE = 0.4;
    /** Its strong-model labels are broken in the source data (see the data README). */
    public static final Set<String> EXCLUDED = Set.of("high_school_mathematics");

    public static Path defaultPath() {
        return Path.of(".run/calibration/memory.db");
    }

    public static OutcomeTable usable(OutcomeTable all, Set<String> exclude) {
        return all.filter(i -> !exclude.contains(all.subject(i)));
    }

    /** Builds the store at {@code db} from the memory side of the split (replacing any file there). */
    public static int build(Path db, OutcomeTable table, float[][] vectors, SubjectSplit split, double goodAt)
            throws Exception {
        Files.createDirectories(db.toAbsolutePath().getParent());
        Files.deleteIfExists(db);
        Files.deleteIfExists(Path.of(db + "-wal"));
        Files.deleteIfExists(Path.of(db + "-shm"));
        return OutcomeMemory.write(db, table, vectors, NAMESPACE, goodAt, i -> split.memorySubjects().contains(table.subject(i)));
    }
}
