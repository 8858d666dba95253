package org.agentrouter.locomo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocomoDataTest {
    private static final String JSON = """
            {"speaker_a": "Ann", "speaker_b": "Bob",
             "session_1_date_time": "1:56 pm on 8 May, 2023",
             "session_1": [
               {"speaker": "Ann", "dia_id": "D1:1", "text": "Hi Bob!"},
               {"speaker": "Bob", "dia_id": "D1:2", "text": "Look at my dog", "blip_caption": "a photo of a dog"}],
             "session_2_date_time": "not a date",
             "session_2": [{"speaker": "Ann", "dia_id": "D2:1", "text": "I went hiking yesterday"}],
             "qa": [
               {"question": "What pet does Bob have?", "answer": "a dog", "evidence": ["D1:2"], "category": 4},
               {"question": "Two at once", "answer": "x", "evidence": ["D1:1; D2:1"], "category": 1},
               {"question": "Broken ids", "answer": "x", "evidence": ["D", "D:1:1", "D9:9"], "category": 2},
               {"question": "Unanswerable", "answer": "x", "evidence": [], "category": 5}]}
            """;

    @Test
    void turnsQuestionsAndDefectsAreReadWithoutFailing(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("locomo_conv99.json");
        Files.writeString(f, JSON);
        LocomoData.Loaded loaded = LocomoData.load(dir);
        LocomoData.Conversation c = loaded.conversations().get(0);
        assertEquals("conv99", c.id());
        assertEquals(3, c.turns().size());
        assertEquals("Bob: Look at my dog [image: a photo of a dog]", c.turns().get(1).memoryText());
        long may8 = LocalDateTime.of(2023, 5, 8, 13, 56).toInstant(ZoneOffset.UTC).toEpochMilli();
        assertEquals(may8, c.turns().get(0).sessionTimeMs());
        assertEquals(may8, c.turns().get(2).sessionTimeMs(), "an unreadable date takes the previous session's");
        assertEquals(List.of("D1:2"), c.questions().get(0).evidence());
        assertEquals(List.of("D1:1", "D2:1"), c.questions().get(1).evidence(), "a list in one string is split");
        assertEquals(List.of(), c.questions().get(2).evidence());
        LocomoData.Problems p = loaded.problems();
        assertEquals(5, p.evidenceEntries);
        assertEquals(1, p.split.size());
        assertEquals(2, p.malformed.size());
        assertEquals(List.of("conv99 D9:9"), p.missing);
        assertEquals(1, p.withoutEvidence.size(), "category 2's question lost all its evidence; category 5 is not scored");
        assertEquals(1, p.badDates.size());
        assertEquals(2, c.questions().stream().filter(ContextCandidates::scored).count());
        assertEquals(c.turns().get(2).sessionTimeMs() + 86_400_000L, c.asOfMs());
    }

    @Test
    void recallHitReciprocalRankAndNdcg() {
        ContextMetrics m = new ContextMetrics(1, 2);
        m.add(1, List.of("a", "x", "b"), Set.of("a", "b"));
        m.add(2, List.of("x", "y", "z"), Set.of("c"));
        ContextMetrics.Figures f = m.overall();
        assertEquals(2, f.questions());
        assertEquals((0.5 + 0) / 2, f.recallAt(1), 1e-9);
        assertEquals((0.5 + 0) / 2, f.recallAt(2), 1e-9);
        assertEquals(0.5, f.hitAt(2), 1e-9);
        assertEquals((1.0 + 0) / 2, f.mrr(), 1e-9);
        double dcg = 1 + 1 / (Math.log(4) / Math.log(2));
        double ideal = 1 + 1 / (Math.log(3) / Math.log(2));
        assertEquals((dcg / ideal + 0) / 2, f.ndcg10(), 1e-9);
        assertEquals(1, m.byCategory().get(1).questions());
        m.add(3, List.of("a"), Set.of());
        assertEquals(2, m.overall().questions(), "a question without evidence is not counted");
    }
}
