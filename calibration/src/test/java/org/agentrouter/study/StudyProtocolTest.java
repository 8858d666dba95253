package org.agentrouter.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.agentrouter.eval.OutcomeTable;
/**
 * The study's leakage guarantees on a small synthetic table: a router never retrieves a test subject
 * under P1, training rows never retrieve their own subject (P1) or inner fold (P2), and no row ever
 * retrieves itself.
 */
class StudyProtocolTest {
    private static final int SUBJECTS = 12;
    private static final int ROWS_PER_SUBJECT = 15;

    @TempDir
    static Path dir;
    private static StudyData data;
    private static CosineMatrix matrix;

    @BeforeAll
    static void syntheticData() throws IOException {
        Random random = new Random(3);
        for (int s = 0; s < SUBJECTS; s++) {
            StringBuilder csv = new StringBuilder("prompt,weak,strong\n");
            for (int i = 0; i < ROWS_PER_SUBJECT; i++) {
                csv.append("\"subject ").append(s).append(", question ").append(i).append("\n A. x\nAnswer:\",")
                        .append(random.nextBoolean() ? "True" : "False").append(',')
                        .append(random.nextBoolean() ? "True" : "False").append('\n');
            }
            Files.writeString(dir.resolve(String.format("mmlu_s%02d.csv", s)), csv);
        }
        OutcomeTable table = OutcomeTable.load(dir, "prompt", "weak", "strong");
        float[][] vectors = new float[table.size()][8];
        for (int row = 0; row < table.size(); row++) {
            for (int d = 0; d < 8; d++) {
                // subjects cluster, so the nearest neighbours of a row are mostly its own subject
                vectors[row][d] = (float) (random.nextGaussian() * 0.3 + (d == table.subjectIndex(row) % 8 ? 2 : 0));
            }
        }
        data = new StudyData(table, vectors);
        matrix = CosineMatrix.of(data.vectors);
    }

    @Test
    void unseenSubjectFoldsKeepTestSubjectsOutOfMemory() {
        List<Split> splits = FoldPlan.unseenSubjects(data, 6, 1L, row -> true);
        Set<Integer> tested = new HashSet<>();
        for (Split split : splits) {
            Set<Integer> testSubjects = subjects(split.test());
            assertTrue(Arrays.stream(split.train()).noneMatch(r -> testSubjects.contains(data.subject[r])));
            assertEquals(data.size(), split.train().length + split.test().length);
            FoldContext ctx = new FoldContext(data, matrix, split, 1L);
            for (int q : split.test()) {
                for (int j : ctx.testNeighbours().rows(q)) {
                    assertTrue(ctx.memory[j], "test rows retrieve only memory rows");
                }
            }
            for (int q : split.train()) {
                for (int j : ctx.trainNeighbours().rows(q)) {
                    assertNotEquals(data.subject[q], data.subject[j], "a training row never sees its own subject");
                }
            }
            tested.addAll(testSubjects);
        }
        assertEquals(SUBJECTS, tested.size(), "every subject is tested once");
    }

    @Test
    void randomFoldsHideEachTrainingRowsInnerFold() {
        for (Split split : FoldPlan.randomRows(data, 5, 1L, row -> true)) {
            FoldContext ctx = new FoldContext(data, matrix, split, 1L);
            int[] inner = ctx.innerFoldByRow();
            for (int q : split.train()) {
                for (int j : ctx.trainNeighbours().rows(q)) {
                    assertNotEquals(q, j);
                    assertNotEquals(inner[q], inner[j]);
                    assertTrue(ctx.memory[j]);
                }
            }
            for (int q : split.test()) {
                assertFalse(ctx.memory[q]);
            }
        }
    }

    @Test
    void warmStartMovesAtMostHalfOfEachTestSubject() {
        List<Split> unseen = FoldPlan.unseenSubjects(data, 6, 1L, row -> true);
        List<Split> warm = FoldPlan.warmStart(data, unseen, 10, 1L);
        for (int f = 0; f < unseen.size(); f++) {
            int moved = unseen.get(f).test().length - warm.get(f).test().length;
            int subjects = subjects(unseen.get(f).test()).size();
            assertEquals(subjects * (ROWS_PER_SUBJECT / 2), moved);
            Set<Integer> memory = new HashSet<>();
            Arrays.stream(warm.get(f).train()).forEach(memory::add);
            assertTrue(Arrays.stream(warm.get(f).test()).noneMatch(memory::contains));
        }
    }

    @Test
    void excludingASubjectKeepsTheOtherFoldsUnchanged() {
        List<Split> all = FoldPlan.unseenSubjects(data, 6, 1L, row -> true);
        List<Split> without = FoldPlan.unseenSubjects(data, 6, 1L, row -> data.subject[row] != 0);
        for (int f = 0; f < all.size(); f++) {
            assertEquals(subjects(all.get(f).test()).stream().filter(s -> s != 0).collect(java.util.stream.Collectors.toSet()),
                    subjects(without.get(f).test()));
        }
    }

    @Test
    void featuresOfTrainingRowsComeFromTheirOwnVisibility() {
        Split split = FoldPlan.randomRows(data, 5, 1L, row -> true).get(0);
        FoldContext ctx = new FoldContext(data, matrix, split, 1L);
        FeatureTable table = ctx.features();
        int knn10 = table.column("knn10");
        for (int q : split.train()) {
            int[] nb = ctx.trainNeighbours().rows(q);
            double expected = Arrays.stream(nb).limit(10).mapToDouble(j -> data.gain[j]).average().orElseThrow();
            assertEquals(expected, table.value(q, knn10), 1e-12);
        }
    }

    private static Set<Integer> subjects(int[] rows) {
        Set<Integer> set = new HashSet<>();
        for (int r : rows) {
            set.add(data.subject[r]);
        }
        return set;
    }
}
