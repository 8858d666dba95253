package org.agentrouter.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void aLogGetsAPlainLineEveryFiveSecondsAndOneWhenDone() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong(1_000_000_000L);
        // 11,645 steps of 10 ms each: 116 s of work.
        try (Progress p = Progress.plain("calibrate", 11_645, "prompts", new PrintStream(bytes, true, StandardCharsets.UTF_8),
                Progress.PLAIN_EVERY, clock::get)) {
            for (int i = 0; i < 11_645; i++) {
                clock.addAndGet(10_000_000L);
                p.step();
            }
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), "no carriage return in a log");
        List<String> lines = text.lines().toList();
        assertEquals(116 / 5 + 1, lines.size(), text);
        for (String line : lines) assertTrue(line.length() < 120, line);
        assertEquals("calibrate: 500 / 11,645 prompts (4%), 5s elapsed, ~1m51s left", lines.get(0));
        assertEquals("calibrate: 11,645 / 11,645 prompts (100%), 1m56s elapsed", lines.get(lines.size() - 1));
    }

    @Test
    void stepToAndANoteAndAnUnknownTotal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        Progress p = Progress.plain("reading", 0, "rows", new PrintStream(bytes, true, StandardCharsets.UTF_8),
                Duration.ofSeconds(5), clock::get);
        p.setExtraMessage("loss  0.4321\n");
        clock.set(Duration.ofMinutes(61).toNanos());
        p.stepTo(1_234_567);
        p.close();
        p.close();
        assertEquals(List.of("reading: 1,234,567 rows, 1h01m elapsed, loss 0.4321",
                "reading: 1,234,567 rows, 1h01m elapsed, loss 0.4321"), bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void onlyATerminalThatIsNotCiGetsTheBar() {
        assertTrue(Progress.interactive(Map.of("TERM", "xterm-256color"), true, "/dev/pts/3"));
        assertTrue(Progress.interactive(Map.of(), true, null));
        assertFalse(Progress.interactive(Map.of(), false, "/dev/pts/3"), "no console: output redirected");
        assertFalse(Progress.interactive(Map.of("TERM", "dumb"), true, "/dev/pts/3"));
        assertFalse(Progress.interactive(Map.of("CI", "true"), true, "/dev/pts/3"));
        assertTrue(Progress.interactive(Map.of("CI", "false"), true, "/dev/pts/3"));
        assertFalse(Progress.interactive(Map.of(), true, "/work/build.log"), "stderr to a file");
    }

    @Test
    void underATestRunnerStartPrintsPlainLinesToStandardError() {
        PrintStream original = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try (Progress p = Progress.start("embedding prompts", 3, "prompts")) {
            p.step();
            p.stepBy(2);
        } finally {
            System.setErr(original);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), text);
        if (!"none".equalsIgnoreCase(System.getenv("ROUTER_PROGRESS"))) {
            assertEquals(List.of("embedding prompts: 3 / 3 prompts (100%), 0s elapsed"), text.lines().toList());
        }
    }

    @Test
    void durationsReadAtAGlance() {
        assertEquals("0s", Progress.duration(0));
        assertEquals("59s", Progress.duration(Duration.ofSeconds(59).toNanos()));
        assertEquals("2m10s", Progress.duration(Duration.ofSeconds(130).toNanos()));
        assertEquals("1h02m", Progress.duration(Duration.ofMinutes(62).toNanos()));
    }
}
