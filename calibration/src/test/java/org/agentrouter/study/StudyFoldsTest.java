package org.agentrouter.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.agentrouter.calibration.SubjectFolds;
import org.junit.jupiter.api.Test;

import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.eval.MmluData;
/**
 * `calibrate --test-fold` and `eval --test-fold` name the study's P1 folds: the same subjects as the
 * study's own fold plan, and fold 0 as BENCHMARKS.md lists it. Skips without the MMLU data.
 */
class StudyFoldsTest {
    @Test
    void testFoldsAreTheStudysP1Folds() throws Exception {
        assumeTrue(Files.isDirectory(MmluData.directory()), "no data at " + MmluData.directory());
        OutcomeTable table = MmluData.load();
        StudyData data = new StudyData(table, new float[table.size()][1]);
        int defective = table.subjects().indexOf(MmluData.DEFECTIVE_SUBJECT);
        List<Split> p1 = FoldPlan.unseenSubjects(data, SubjectFolds.STUDY_FOLDS, SubjectFolds.STUDY_SEED,
                row -> data.subject[row] != defective);
        for (Split split : p1) {
            Set<String> studySubjects = new TreeSet<>();
            for (int row : split.test()) studySubjects.add(table.subject(row));
            Set<String> named = new TreeSet<>(SubjectFolds.subjectsOf(table, split.fold(), SubjectFolds.STUDY_FOLDS,
                    SubjectFolds.STUDY_SEED));
            named.remove(MmluData.DEFECTIVE_SUBJECT);
            assertEquals(studySubjects, named, "fold " + split.fold());
        }
        Set<String> fold0 = new TreeSet<>(SubjectFolds.subjectsOf(table, 0, 6, SubjectFolds.STUDY_SEED));
        fold0.remove(MmluData.DEFECTIVE_SUBJECT);
        assertEquals(new TreeSet<>(List.of("astronomy", "business_ethics", "college_computer_science", "college_physics",
                "high_school_biology", "high_school_us_history", "medical_genetics", "nutrition", "professional_medicine",
                "us_foreign_policy")), fold0);
    }
}
