package org.agentrouter.agentdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.agentrouter.cli.RouterCli;
import org.agentrouter.memory.CandidateSet;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.store.MemoryStore;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Imports of real AgentDB 1.6.1 files (written by the agentdb npm package) into real stores (SQLite + sqlite-vec). */
class AgentDbStoreImportTest {
    @TempDir
    static Path shared;
    /** The reference file: written once, never changed; tests copy it when they need to grow or break it. */
    static Path coder;

    @TempDir
    Path dir;

    @BeforeAll
    static void writeReferenceFile() throws Exception {
        coder = shared.resolve("coder.db");
        AgentDbFixture.write(coder, baseSpec());
    }

    static Map<String, Object> baseSpec() {
        Map<String, Object> fixRace = AgentDbFixture.episode("s1", "fix the race in the worker pool", 0.8, true, List.of("go", "race"));
        fixRace.put("input", "pool.go");
        fixRace.put("output", "added a mutex around the shared map");
        fixRace.put("critique", "check shared maps first");
        Map<String, Object> notes = AgentDbFixture.episode("s2", "write the release notes", 0.1, false, null);
        notes.put("metadata", Map.of("namespace", "docs-agent"));
        Map<String, Object> poisoned = AgentDbFixture.episode("s2", "poisoned vector task", 0.5, true, null);
        poisoned.put("nanVector", true);
        Map<String, Object> spec = new HashMap<>();
        spec.put("episodes", List.of(fixRace, notes, poisoned));
        spec.put("skills", List.of(Map.of("name", "grep-logs", "description", "search the logs for the first error",
                "successRate", 0.5, "uses", 2, "avgReward", 0.4)));
        spec.put("patterns", List.of(Map.of("taskType", "code_review", "approach", "read the tests first",
                "successRate", 0.9, "uses", 3, "avgReward", 0.7, "tags", List.of("review"))));
        return spec;
    }

    @Test
    void importsEpisodesSkillsAndPatternsWithTheirVectorsAndFields() throws Exception {
        byte[] fileBefore = Files.readAllBytes(coder);
        FileTime mtimeBefore = Files.getLastModifiedTime(coder);
        Path store = dir.resolve("memory.db");

        AgentDbImportSummary summary = importer(coder).intoStore(store);

        assertEquals(4, summary.totalAdded());
        assertEquals(1, summary.totalRejected());
        assertEquals(1, summary.byNamespaceAndKind().get("coder").get("episode").added);
        assertEquals(1, summary.byNamespaceAndKind().get("coder").get("episode").rejected);
        assertEquals(1, summary.byNamespaceAndKind().get("docs-agent").get("episode").added);
        assertEquals(1, summary.byNamespaceAndKind().get("coder").get("skill").added);
        assertEquals(1, summary.byNamespaceAndKind().get("coder").get("pattern").added);
        AgentDbImportSummary.Rejection rejection = summary.rejections().get(0);
        assertEquals("episodes id 3", rejection.where());
        assertTrue(rejection.reason().contains("non-finite") && rejection.reason().contains("NaN"), rejection.reason());

        Map<Long, float[]> episodeVectors = AgentDbFixture.vectors(coder, "episode_embeddings", "episode_id");
        Map<Long, float[]> skillVectors = AgentDbFixture.vectors(coder, "skill_embeddings", "skill_id");
        Map<Long, float[]> patternVectors = AgentDbFixture.vectors(coder, "pattern_embeddings", "pattern_id");
        long ts = ((Number) AgentDbFixture.value(coder, "SELECT ts FROM episodes WHERE id = 1")).longValue();
        try (MemoryStore s = MemoryStore.openReadOnly(store)) {
            assertEquals(Map.of("coder", Map.of("episode", 1L, "skill", 1L, "pattern", 1L),
                    "docs-agent", Map.of("episode", 1L)), s.countsByNamespaceAndKind());

            MemoryRecord e = s.get("agentdb:coder:episode:1");
            assertEquals("coder", e.namespace);
            assertEquals(MemoryRecord.EPISODE, e.kind);
            assertEquals("fix the race in the worker pool\npool.go\nadded a mutex around the shared map\ncheck shared maps first", e.text);
            assertEquals("s1", e.sessionId);
            assertEquals(ts * 1000, e.createdAtMs);
            assertEquals(1f, e.successRate);
            assertEquals(0.8f, e.reward);
            assertTrue(Float.isNaN(e.confidence));
            assertArrayEquals(new String[] {"go", "race"}, e.tags);
            assertEquals(coder.toAbsolutePath() + "#episodes#1", e.sourceId);
            assertArrayEquals(episodeVectors.get(1L), e.embedding);

            MemoryRecord notes = s.get("agentdb:coder:episode:2");
            assertEquals("docs-agent", notes.namespace);
            assertEquals(0f, notes.successRate);
            assertArrayEquals(episodeVectors.get(2L), notes.embedding);
            assertNull(s.get("agentdb:coder:episode:3"));

            MemoryRecord skill = s.get("agentdb:coder:skill:1");
            assertEquals("grep-logs\nsearch the logs for the first error", skill.text);
            assertEquals(2, skill.useCount);
            assertEquals(0.5f, skill.successRate);
            assertEquals(0.4f, skill.reward);
            assertNull(skill.sessionId);
            assertArrayEquals(skillVectors.get(1L), skill.embedding);

            MemoryRecord pattern = s.get("agentdb:coder:pattern:1");
            assertEquals("code_review: read the tests first", pattern.text);
            assertEquals(3, pattern.useCount);
            assertEquals(0.9f, pattern.successRate);
            assertEquals(0.7f, pattern.reward);
            assertArrayEquals(new String[] {"review"}, pattern.tags);
            assertArrayEquals(patternVectors.get(1L), pattern.embedding);
        }
        assertArrayEquals(fileBefore, Files.readAllBytes(coder), "the AgentDB file was modified");
        assertEquals(mtimeBefore, Files.getLastModifiedTime(coder), "the AgentDB file was touched");
        assertEquals(List.of("coder.db"), Files.list(shared).map(p -> p.getFileName().toString()).toList(),
                "nothing (journal, wal) may appear next to the AgentDB file");
    }

    @Test
    void reimportIsIdempotentAndPicksUpRowsTheAgentAddedOrChanged() throws Exception {
        Path agent = dir.resolve("coder.db");
        Files.copy(coder, agent);
        Path store = dir.resolve("memory.db");
        assertEquals(4, importer(agent).intoStore(store).totalAdded());
        byte[] storeAfterFirst = Files.readAllBytes(store);

        AgentDbImportSummary again = importer(agent).intoStore(store);
        assertEquals(0, again.totalAdded());
        assertEquals(0, again.totalUpdated());
        assertEquals(4, again.totalUnchanged());
        assertArrayEquals(storeAfterFirst, Files.readAllBytes(store), "a re-import of the same file wrote to the store");

        // The agent goes on: a new episode and one more use of the skill, through the package's own API.
        AgentDbFixture.write(agent, Map.of(
                "episodes", List.of(AgentDbFixture.episode("s3", "profile the slow query", 0.6, true, List.of("sql"))),
                "skillUses", List.of(Map.of("name", "grep-logs", "success", false, "reward", 0.1))));
        AgentDbImportSummary grown = importer(agent).intoStore(store);
        assertEquals(1, grown.totalAdded());
        assertEquals(1, grown.totalUpdated());
        assertEquals(3, grown.totalUnchanged());
        assertEquals(1, grown.byNamespaceAndKind().get("coder").get("skill").updated);
        assertEquals(1, grown.byNamespaceAndKind().get("coder").get("episode").added);
        try (MemoryStore s = MemoryStore.openReadOnly(store)) {
            assertEquals(5, s.count());
            MemoryRecord skill = s.get("agentdb:coder:skill:1");
            assertEquals(3, skill.useCount);
            assertEquals(((Number) AgentDbFixture.value(agent, "SELECT success_rate FROM skills WHERE id = 1")).floatValue(),
                    skill.successRate);
            assertEquals("profile the slow query", s.get("agentdb:coder:episode:4").text);
        }
        assertEquals(0, importer(agent).intoStore(store).totalAdded() + importer(agent).intoStore(store).totalUpdated());
    }

    @Test
    void rowsDeletedFromTheFileAreRetiredOnceAndOnlyTheFilesOwnMemories() throws Exception {
        Path agent = dir.resolve("coder.db");
        Files.copy(coder, agent);
        Path store = dir.resolve("memory.db");
        assertEquals(4, importer(agent).intoStore(store).totalAdded());
        // Neighbours that must survive: another file's memories, a memory under the same id prefix made from a
        // file elsewhere (same base name), and one the job wrote (feedback episode).
        Path team = dir.resolve("team.db");
        Files.copy(coder, team);
        assertEquals(4, importer(team).intoStore(store).totalAdded());
        MemoryRecord foreign;
        MemoryRecord feedback;
        try (MemoryStore s = MemoryStore.openWritable(store)) {
            foreign = s.get("agentdb:coder:episode:1").copy();
            foreign.id = "agentdb:coder:episode:99";
            foreign.sourceId = "/elsewhere/coder.db#episodes#99";
            feedback = s.get("agentdb:coder:episode:1").copy();
            feedback.id = "fb-q1";
            feedback.sourceId = "feedback:q1";
            s.upsert(List.of(foreign, feedback));
        }

        // The agent forgets the race episode (namespace coder) and the release notes (docs-agent).
        AgentDbFixture.deleteRows(agent, "episodes 1", "episodes 2");
        AgentDbImportSummary forgot = importer(agent).intoStore(store);
        assertEquals(2, forgot.totalRetired());
        assertEquals(1, forgot.byNamespaceAndKind().get("coder").get("episode").retired);
        assertEquals(1, forgot.byNamespaceAndKind().get("docs-agent").get("episode").retired);
        assertEquals(0, forgot.totalAdded() + forgot.totalUpdated());
        assertEquals(2, forgot.totalUnchanged());
        assertEquals(1, forgot.totalRejected(), "the poisoned row is still in the file: rejected, not retired");
        try (MemoryStore s = MemoryStore.openReadOnly(store)) {
            assertNull(s.get("agentdb:coder:episode:1"));
            assertNull(s.get("agentdb:coder:episode:2"));
            assertTrue(s.get("agentdb:coder:skill:1") != null && s.get("agentdb:coder:pattern:1") != null);
            assertTrue(s.get("agentdb:coder:episode:99") != null, "made from another file: not retired");
            assertTrue(s.get("fb-q1") != null, "not made by an import: not retired");
            assertEquals(4, s.originsWithIdPrefix("agentdb:team:").size(), "another file's memories: not retired");
            assertEquals(10 - 2, s.count());
            CandidateSet found = new CandidateSet(10);
            // coder now: skill, pattern, episode:99 and fb-q1 (both with episode 1's vector)
            assertEquals(4, s.topK("coder", foreign.embedding, 10, null, found), "the vector index forgot it too");
            assertFalse(Arrays.asList(found.ids).subList(0, 4).contains("agentdb:coder:episode:1"));
        }
        byte[] storeAfter = Files.readAllBytes(store);

        AgentDbImportSummary again = importer(agent).intoStore(store);
        assertEquals(0, again.totalRetired() + again.totalAdded() + again.totalUpdated(), "idempotent");
        assertArrayEquals(storeAfter, Files.readAllBytes(store), "a second re-import wrote to the store");

        // A file that cannot be read completely retires nothing, though all its rows look gone.
        Files.write(agent, Arrays.copyOf(Files.readAllBytes(coder), 4096 * 2 + 17));
        assertThrows(AgentDbException.class, () -> importer(agent).intoStore(store));
        assertArrayEquals(storeAfter, Files.readAllBytes(store), "a refused import retired something");

        String cli = run("memory", "import", "--agentdb", team.toString(), "--store", store.toString());
        assertTrue(cli.matches("(?s).*total\\s+0\\s+0\\s+4\\s+1\\s+0\\s.*"), cli);
        AgentDbFixture.deleteRows(team, "skills 1");
        cli = run("memory", "import", "--agentdb", team.toString(), "--store", store.toString());
        assertTrue(cli.matches("(?s).*team\\s+skill\\s+0\\s+0\\s+0\\s+0\\s+1\\s.*total\\s+0\\s+0\\s+3\\s+1\\s+1\\s.*"
                + "retired 1 memories whose rows are gone from .*team\\.db.*"), cli);
        // stats counts what the store holds now: a retired memory is simply gone from it.
        String stats = run("memory", "stats", "--store", store.toString());
        assertFalse(stats.matches("(?s).*team\\s+skill.*"), stats);
        assertTrue(stats.matches("(?s).*team\\s+pattern\\s+1.*total\\s+7\\s.*"), stats);
    }

    @Test
    void corruptFilesAreRefusedNamingTheFileAndLeaveTheStoreUnchanged() throws Exception {
        Path store = dir.resolve("memory.db");
        importer(coder).intoStore(store);
        byte[] storeBefore = Files.readAllBytes(store);
        byte[] good = Files.readAllBytes(coder);

        Path truncated = dir.resolve("truncated.db");
        // Cut at a page boundary: still a whole number of pages, so only the header's page count gives it away.
        Files.write(truncated, Arrays.copyOf(good, good.length / 2 / 4096 * 4096));
        Path garbage = dir.resolve("garbage.db");
        byte[] noise = new byte[good.length];
        new java.util.Random(7).nextBytes(noise);
        Files.write(garbage, noise);
        Path empty = dir.resolve("empty.db");
        Files.write(empty, new byte[0]);
        Path midRewrite = dir.resolve("mid-rewrite.db");
        // What a reader sees while AgentDB's writeFileSync is halfway: the new header, then the old tail cut short.
        Files.write(midRewrite, Arrays.copyOf(good, 4096 * 2 + 17));

        for (Path bad : List.of(truncated, garbage, empty, midRewrite)) {
            AgentDbException e = assertThrows(AgentDbException.class, () -> importer(bad).intoStore(store), bad.toString());
            assertTrue(e.getMessage().contains(bad.toAbsolutePath().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("not a readable SQLite database"), e.getMessage());
        }

        Path noPatterns = dir.resolve("no-episodes.db");
        Files.copy(coder, noPatterns);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + noPatterns); Statement st = c.createStatement()) {
            st.execute("DROP TABLE episode_embeddings");
        }
        AgentDbException missing = assertThrows(AgentDbException.class, () -> importer(noPatterns).intoStore(store));
        assertTrue(missing.getMessage().contains("no table episode_embeddings"), missing.getMessage());
        assertTrue(missing.getMessage().contains(noPatterns.toAbsolutePath().toString()), missing.getMessage());

        assertArrayEquals(storeBefore, Files.readAllBytes(store), "a refused import changed the store");
        Path neverCreated = dir.resolve("never.db");
        assertThrows(AgentDbException.class, () -> importer(garbage).intoStore(neverCreated));
        assertFalse(Files.exists(neverCreated), "a refused import created the store");
    }

    @Test
    void vectorsOfAnotherDimensionAreRefusedNamingTheRow() throws Exception {
        Path other = dir.resolve("other-model.db");
        Map<String, Object> spec = new HashMap<>(baseSpec());
        spec.put("dim", 128);
        AgentDbFixture.write(other, spec);
        Path store = dir.resolve("memory.db");
        importer(coder).intoStore(store);
        byte[] storeBefore = Files.readAllBytes(store);

        AgentDbException e = assertThrows(AgentDbException.class, () -> importer(other).intoStore(store));
        assertTrue(e.getMessage().contains(other.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("episodes id 1"), e.getMessage());
        assertTrue(e.getMessage().contains("128-d") && e.getMessage().contains("384-d"), e.getMessage());
        assertArrayEquals(storeBefore, Files.readAllBytes(store));
    }

    @Test
    void strictImportRefusesAFileWithARejectedRow() throws Exception {
        Path store = dir.resolve("memory.db");
        AgentDbException e = assertThrows(AgentDbException.class,
                () -> new AgentDbImporter(coder, null, false, true, false).intoStore(store));
        assertTrue(e.getMessage().contains("episodes id 3"), e.getMessage());
        assertFalse(Files.exists(store));
    }

    @Test
    void namespaceOptionAndSessionNamespaces() throws Exception {
        Path store = dir.resolve("memory.db");
        new AgentDbImporter(coder, "code-assistant", true, false, false).intoStore(store);
        try (MemoryStore s = MemoryStore.openReadOnly(store)) {
            // --namespace names the source in ids and takes precedence over sessions; metadata.namespace wins over both.
            assertEquals(Map.of("code-assistant", Map.of("episode", 1L, "skill", 1L, "pattern", 1L),
                    "docs-agent", Map.of("episode", 1L)), s.countsByNamespaceAndKind());
            assertEquals("code-assistant", s.get("agentdb:code-assistant:episode:1").namespace);
        }
        Path bySession = dir.resolve("by-session.db");
        new AgentDbImporter(coder, null, true, false, false).intoStore(bySession);
        try (MemoryStore s = MemoryStore.openReadOnly(bySession)) {
            assertEquals(Map.of("s1", Map.of("episode", 1L), "coder", Map.of("skill", 1L, "pattern", 1L),
                    "docs-agent", Map.of("episode", 1L)), s.countsByNamespaceAndKind());
        }
    }

    @Test
    void commandLineImportAndStats() throws Exception {
        Path store = dir.resolve("memory.db");
        String imported = run("memory", "import", "--agentdb", coder.toString(), "--store", store.toString());
        assertTrue(imported.contains("coder") && imported.contains("episodes id 3"), imported);
        assertTrue(imported.matches("(?s).*total\\s+4\\s+0\\s+0\\s+1.*"), imported);
        String stats = run("memory", "stats", "--store", store.toString());
        assertTrue(stats.matches("(?s).*coder\\s+episode\\s+1.*coder\\s+pattern\\s+1.*coder\\s+skill\\s+1"
                + ".*docs-agent\\s+episode\\s+1.*total\\s+4.*"), stats);
        String again = run("memory", "import", "--agentdb", coder.toString(), "--store", store.toString());
        assertTrue(again.matches("(?s).*total\\s+0\\s+0\\s+4\\s+1.*"), again);
    }

    static String run(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int code = new CommandLine(new RouterCli()).execute(args);
            assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static AgentDbImporter importer(Path file) {
        return new AgentDbImporter(file, null, false, false, false);
    }
}
