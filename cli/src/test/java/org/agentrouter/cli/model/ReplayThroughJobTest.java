package org.agentrouter.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.agentrouter.calibration.PromptEmbeddings;
import org.agentrouter.eval.OutcomeTable;
import org.agentrouter.learning.LearnerFiles;
import org.agentrouter.learning.LearnerSettings;
import org.agentrouter.replay.LearnerReplay;
import org.agentrouter.replay.ReplayData;
import org.agentrouter.replay.ReplayMetrics;
import org.agentrouter.replay.ReplayNamespace;
import org.agentrouter.replay.ReplayRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./router replay --through-job} decides like the in-process replay: two MMLU subjects (200 questions) as two
 * new namespaces, the bundled learner settings, seed 1; through the broker and the job (--learning on) every query gets
 * the route, the probe and the p_strong the job's learner classes give in process, feedback after feedback. Skips when
 * ../shared/data/routellm-mmlu is absent.
 */
class ReplayThroughJobTest {
    private static final Path DATA = Path.of(System.getProperty("router.data.dir", "../../shared/data/routellm-mmlu"));
    private static final List<String> SUBJECTS = List.of("mmlu_abstract_algebra.csv", "mmlu_business_ethics.csv");

    @Test
    void theJobDecidesTheStreamAsTheInProcessReplay(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(Files.exists(DATA.resolve(SUBJECTS.get(0))), "MMLU data not found at " + DATA.toAbsolutePath().normalize());
        Path slice = Files.createDirectories(dir.resolve("slice"));
        for (String s : SUBJECTS) Files.createSymbolicLink(slice.resolve(s), DATA.resolve(s).toAbsolutePath());
        OutcomeTable table = OutcomeTable.load(slice, "prompt", OutcomeDataOptions.MMLU_WEAK,
                OutcomeDataOptions.MMLU_STRONG);
        ReplayData data = new ReplayData(table, PromptEmbeddings.of(table.prompts(), PromptEmbeddings.defaultCacheDir()), 0.5);
        LearnerSettings settings = LearnerFiles.bundled().settings();
        List<ReplayNamespace> namespaces = new ArrayList<>();
        for (String subject : table.subjects()) {
            int[] rows = IntStream.range(0, table.size()).filter(i -> table.subject(i).equals(subject)).toArray();
            namespaces.add(data.namespace(subject, rows, settings.prior(), 1));
        }

        List<ReplayMetrics.Decision> inProcess = ReplayRun.IN_PROCESS.replay(namespaces, data, settings, LearnerReplay.Feedback.CHOSEN);
        List<ReplayMetrics.Decision> job = new ReplayThroughJob(dir.resolve("run"), Duration.ofMinutes(4), 1)
                .replay(namespaces, data, settings, LearnerReplay.Feedback.CHOSEN);

        assertEquals(table.size(), inProcess.size());
        assertEquals(List.of(), ReplayComparison.differences(inProcess, job));
        // The slice exercises what could diverge: probes asked, outcomes moving p_strong away from the prior, cheap routes.
        assertTrue(job.stream().filter(ReplayMetrics.Decision::probe).count() > 20, "probes asked");
        assertTrue(job.stream().anyMatch(d -> !d.strong()), "some queries go cheap");
        long moved = IntStream.range(0, job.size()).filter(i -> {
            ReplayMetrics.Decision d = job.get(i);
            ReplayNamespace ns = namespaces.get(d.namespace().equals(namespaces.get(0).name()) ? 0 : 1);
            return Math.abs(d.pStrong() - ns.prior()[d.position()]) > 1e-3;
        }).count();
        assertTrue(moved > 100, "the namespaces' outcomes move p_strong: " + moved);
        // And the comparison sees a learner that does not learn: learning off differs from the job's decisions.
        List<ReplayMetrics.Decision> learningOff = new ArrayList<>();
        for (LearnerReplay.Step s : LearnerReplay.run(namespaces, settings, LearnerReplay.Feedback.CHOSEN, false, 0.5)) {
            learningOff.add(s.decision());
        }
        assertFalse(ReplayComparison.differences(learningOff, job).isEmpty());
    }
}
