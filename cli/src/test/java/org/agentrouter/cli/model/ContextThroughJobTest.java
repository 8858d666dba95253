package org.agentrouter.cli.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.agentrouter.flink.RouterConfig;
import org.agentrouter.locomo.ContextEvaluation;
import org.agentrouter.locomo.ContextMetrics;
import org.agentrouter.locomo.LocomoData;
import org.agentrouter.locomo.LocomoMemories;
import org.agentrouter.scoring.ModelReleases;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eval-context's two paths give the same context ids: the job's code in process, and the real job (Kafka broker,
 * MiniCluster) fed through agent-memories and agent-queries. A small part of one LoCoMo conversation (its first
 * three sessions and the questions they answer) keeps it short. Skips when ../shared/data/locomo is absent.
 */
class ContextThroughJobTest {
    /** The build sets router.locomo.dir to ../shared/data/locomo beside the repository (pom.xml). */
    private static final Path DATA = Path.of(System.getProperty("router.locomo.dir", "../../shared/data/locomo"), "locomo_conv30.json");

    @Test
    void theJobReturnsTheContextIdsOfTheInProcessPath(@TempDir Path dir) throws Exception {
        Path data = DATA;
        Assumptions.assumeTrue(Files.exists(data), "LoCoMo data not found at " + DATA.toAbsolutePath().normalize());
        LocomoData.Conversation full = LocomoData.load(data).conversations().get(0);
        List<LocomoData.Turn> turns = full.turns().stream().filter(t -> t.session() <= 3).toList();
        List<LocomoData.Question> questions = new ArrayList<>();
        for (LocomoData.Question q : full.questions()) {
            boolean inside = !q.evidence().isEmpty() && q.evidence().stream().allMatch(e -> turns.stream().anyMatch(t -> t.diaId().equals(e)));
            if (inside && q.category() >= 1 && q.category() <= 4 && questions.size() < 8) questions.add(q);
        }
        LocomoData.Conversation part = new LocomoData.Conversation(full.id(), full.speakerA(), full.speakerB(), turns, questions);
        List<LocomoMemories.Corpus> corpora = LocomoMemories.corpora(List.of(part), dir.resolve("vectors"));

        Map<String, List<String>> inProcess = ContextEvaluation.inProcess(corpora, ModelReleases.fromClasspath("models/default"),
                10, new RouterConfig().lexicalK);
        Map<String, List<String>> throughJob = ContextThroughJob.contexts(corpora, null, 10, dir.resolve("run"), Duration.ofMinutes(3));

        assertEquals(questions.size(), inProcess.size());
        assertEquals(inProcess, throughJob);
        ContextMetrics m = ContextEvaluation.measure(corpora, throughJob, new int[] {5, 10});
        assertTrue(m.overall().recallAt(10) > 0, "the context finds evidence at all: " + m.overall().toMap());
    }
}
