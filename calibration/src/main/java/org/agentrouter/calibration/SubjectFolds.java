package org.agentrouter.calibration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.agentrouter.eval.OutcomeTable;

/**
 * Subjects dealt into folds: shuffled with a seed, each to the fold with the fewest rows so far (so a
 * 1,534-row subject does not make one fold three times larger than another). The baseline study's P1
 * protocol (6 folds, seed 20240618, over all 48 MMLU subjects in file order) and the measurement of the
 * conformal guarantee on unseen subjects use this one assignment.
 */
public final class SubjectFolds {
    private SubjectFolds() {}

    /** The study's P1 folds. */
    public static final int STUDY_FOLDS = 6;
    public static final long STUDY_SEED = 20240618L;

    /**
     * @param rowsPerSubject rows of each subject, in the table's subject order; subjects with 0 rows get fold -1
     * @return the fold of each subject
     */
    public static int[] assign(int[] rowsPerSubject, int folds, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int s = 0; s < rowsPerSubject.length; s++) order.add(s);
        Collections.shuffle(order, new Random(seed));
        int[] foldOfSubject = new int[rowsPerSubject.length];
        Arrays.fill(foldOfSubject, -1);
        long[] load = new long[folds];
        for (int s : order) {
            if (rowsPerSubject[s] == 0) continue;
            int lightest = 0;
            for (int f = 1; f < folds; f++) {
                if (load[f] < load[lightest]) lightest = f;
            }
            foldOfSubject[s] = lightest;
            load[lightest] += rowsPerSubject[s];
        }
        return foldOfSubject;
    }

    /** The fold of each of {@code table}'s subjects, balanced on its rows. */
    public static int[] assign(OutcomeTable table, int folds, long seed) {
        int[] rows = new int[table.subjects().size()];
        for (int i = 0; i < table.size(); i++) rows[table.subjectIndex(i)]++;
        return assign(rows, folds, seed);
    }

    /** The subjects of {@code table} in fold {@code fold}. */
    public static Set<String> subjectsOf(OutcomeTable table, int fold, int folds, long seed) {
        if (fold < 0 || fold >= folds) throw new IllegalArgumentException("fold must be in 0.." + (folds - 1) + ", got " + fold);
        int[] foldOf = assign(table, folds, seed);
        Set<String> out = new TreeSet<>();
        for (int s = 0; s < foldOf.length; s++) if (foldOf[s] == fold) out.add(table.subjects().get(s));
        return out;
    }
}
