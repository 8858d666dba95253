package org.agentrouter.study;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * The two evaluation protocols. Folds are assigned over all rows first and only then restricted to the
 * rows taking part, so "with" and "without the defective subject" are paired fold by fold.
 */
final class FoldPlan {
    private FoldPlan() {}

    /**
     * P1, unseen subjects: subjects are shuffled with {@code seed} and each goes to the fold with the
     * fewest rows so far (so a 1,534-row subject does not make one fold three times larger than another).
     * Test subjects never appear in that fold's memory.
     */
    static List<Split> unseenSubjects(StudyData data, int folds, long seed, IntPredicate active) {
        int[] foldOfSubject = subjectFolds(data, folds, seed, null);
        int[] foldOfRow = new int[data.size()];
        for (int row = 0; row < data.size(); row++) {
            foldOfRow[row] = foldOfSubject[data.subject[row]];
        }
        return splits("P1 unseen subjects", foldOfRow, folds, active, true);
    }

    /** Subject -> fold, balancing row counts; restricted to {@code rows} when not null. */
    static int[] subjectFolds(StudyData data, int folds, long seed, int[] rows) {
        int[] rowsPerSubject = new int[data.subjectCount];
        if (rows == null) {
            for (int s : data.subject) {
                rowsPerSubject[s]++;
            }
        } else {
            for (int row : rows) {
                rowsPerSubject[data.subject[row]]++;
            }
        }
        return org.agentrouter.calibration.SubjectFolds.assign(rowsPerSubject, folds, seed);
    }

    /**
     * P1 with a warm start: {@code perSubject} random rows of every test subject (at most half of it)
     * move from the test side into the memory, as if a new kind of query had been answered and judged a
     * few times before. Scored on the remaining test rows.
     */
    static List<Split> warmStart(StudyData data, List<Split> unseen, int perSubject, long seed) {
        List<Split> warm = new ArrayList<>();
        for (Split split : unseen) {
            List<Integer> order = new ArrayList<>();
            for (int row : split.test()) {
                order.add(row);
            }
            Collections.shuffle(order, new Random(seed + split.fold()));
            int[] testRowsOfSubject = new int[data.subjectCount];
            for (int row : split.test()) {
                testRowsOfSubject[data.subject[row]]++;
            }
            int[] moved = new int[data.subjectCount];
            boolean[] toMemory = new boolean[data.size()];
            for (int row : order) {
                int s = data.subject[row];
                if (moved[s] < Math.min(perSubject, testRowsOfSubject[s] / 2)) {
                    moved[s]++;
                    toMemory[row] = true;
                }
            }
            int[] train = IntStream.concat(Arrays.stream(split.train()),
                    Arrays.stream(split.test()).filter(r -> toMemory[r])).sorted().toArray();
            int[] test = Arrays.stream(split.test()).filter(r -> !toMemory[r]).toArray();
            warm.add(new Split(split.protocol() + " + warm start " + perSubject, split.fold(),
                    train, test, true));
        }
        return warm;
    }

    /** P2, random k-fold over rows (subjects shared between memory and test). */
    static List<Split> randomRows(StudyData data, int folds, long seed, IntPredicate active) {
        return splits("P2 random rows", randomFolds(data.size(), folds, seed), folds, active, false);
    }

    static int[] randomFolds(int n, int folds, long seed) {
        List<Integer> order = new ArrayList<>();
        for (int row = 0; row < n; row++) {
            order.add(row);
        }
        Collections.shuffle(order, new Random(seed));
        int[] foldOfRow = new int[n];
        for (int i = 0; i < n; i++) {
            foldOfRow[order.get(i)] = i % folds;
        }
        return foldOfRow;
    }

    private static List<Split> splits(String protocol, int[] foldOfRow, int folds, IntPredicate active,
            boolean subjectsHeldOut) {
        List<Split> splits = new ArrayList<>();
        for (int f = 0; f < folds; f++) {
            final int fold = f;
            int[] test = rows(foldOfRow, active, r -> foldOfRow[r] == fold);
            int[] train = rows(foldOfRow, active, r -> foldOfRow[r] != fold);
            splits.add(new Split(protocol, f, train, test, subjectsHeldOut));
        }
        return splits;
    }

    private static int[] rows(int[] foldOfRow, IntPredicate active, IntPredicate inFold) {
        return IntStream.range(0, foldOfRow.length)
                .filter(active)
                .filter(inFold)
                .toArray();
    }
}
