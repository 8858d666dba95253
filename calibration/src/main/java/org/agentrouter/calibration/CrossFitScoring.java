package org.agentrouter.calibration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import org.agentrouter.eval.OutcomeTable;

/**
 * Scores every question of a table as a question of an unseen subject: the subjects are dealt into K
 * folds, and each fold is routed (exactly as the job routes) against a memory built from the other
 * folds only. Every subject then becomes a calibration group scored the way a new subject is scored,
 * instead of only the share held out of a single memory / calibration split. Group risk control pays
 * B / (m + 1) for m groups, so this is what makes alpha = 0.05 reachable with 40-odd subjects.
 *
 * <p>A new subject is routed against a memory of all K folds, each calibration subject against K - 1
 * of them: the same small asymmetry as cross-validation, smaller for larger K.
 */
public final class CrossFitScoring {
    private CrossFitScoring() {}

    /**
     * @param work directory for the K temporary memory stores (deleted after use)
     * @return every row of {@code table}, scored, in table order
     */
    public static OfflineScoring.Scored score(OutcomeTable table, float[][] vectors, int folds, long seed, Path work,
                                              String namespace, byte[] onnxModel, OfflineRetrieval retrieval,
                                              double goodAt) throws Exception {
        int[] foldOfSubject = SubjectFolds.assign(table, folds, seed);
        double[] p = new double[table.size()];
        int[] labels = new int[table.size()];
        int[] rows = new int[table.size()];
        int filled = 0;
        Files.createDirectories(work);
        for (int f = 0; f < folds; f++) {
            final int fold = f;
            Path store = work.resolve("crossfit-memory-" + f + ".db");
            deleteStore(store);
            try {
                OutcomeMemory.write(store, table, vectors, namespace, goodAt,
                        i -> foldOfSubject[table.subjectIndex(i)] != fold);
                OfflineScoring.Scored part = OfflineScoring.score(table, vectors, store, namespace, onnxModel, retrieval, goodAt,
                        i -> foldOfSubject[table.subjectIndex(i)] == fold);
                System.arraycopy(part.pStrong(), 0, p, filled, part.size());
                System.arraycopy(part.labels(), 0, labels, filled, part.size());
                System.arraycopy(part.rows(), 0, rows, filled, part.size());
                filled += part.size();
            } finally {
                deleteStore(store);
            }
        }
        Integer[] order = new Integer[filled];
        for (int i = 0; i < filled; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingInt(i -> rows[i]));
        double[] sp = new double[filled];
        int[] sl = new int[filled];
        int[] sr = new int[filled];
        for (int i = 0; i < filled; i++) {
            sp[i] = p[order[i]];
            sl[i] = labels[order[i]];
            sr[i] = rows[order[i]];
        }
        return new OfflineScoring.Scored(sp, sl, sr);
    }

    private static void deleteStore(Path db) throws java.io.IOException {
        Files.deleteIfExists(db);
        Files.deleteIfExists(Path.of(db + "-wal"));
        Files.deleteIfExists(Path.of(db + "-shm"));
    }
}
