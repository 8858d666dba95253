package org.agentrouter.cli.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.agentrouter.cli.RouterCli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short real demo (broker on a free port, no UI or metrics port, the job, the demo queries), stopped by --max: its
 * summary agrees with the decisions it printed.
 */
class DemoCommandTest {
    private static final int DECISIONS = 12;

    @Test
    void aShortDemoEndsWithASummaryOfWhatItPrinted(@TempDir Path dir) {
        PrintStream original = System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit;
        System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            exit = RouterCli.commandLine().execute("demo", "--max", String.valueOf(DECISIONS), "--duration", "240",
                    "--rate", "20", "--kafka-port", "0", "--ui-port", "0", "--prometheus-port", "0", "--dir", dir.toString());
        } finally {
            System.setOut(original);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(0, exit, out);
        List<String> lines = out.lines().toList();
        int summaryAt = lines.indexOf(lines.stream().filter(l -> l.startsWith("demo summary: ")).findFirst().orElseThrow(
                () -> new AssertionError("no summary in:\n" + out)));
        List<String> decisions = lines.subList(0, summaryAt);
        assertEquals(DECISIONS, decisions.size(), out);
        assertTrue(lines.get(summaryAt).startsWith("demo summary: " + DECISIONS + " decisions in "), out);

        long cheap = decisions.stream().filter(l -> l.split("\\s+")[1].equals("cheap")).count();
        assertTrue(lines.contains(String.format(Locale.ROOT, "  routes: cheap %.1f%% (%d), strong %.1f%% (%d)",
                100.0 * cheap / DECISIONS, cheap, 100.0 * (DECISIONS - cheap) / DECISIONS, DECISIONS - cheap)), out);

        Pattern costs = Pattern.compile("cost=\\$([0-9.]+) \\(strong \\$([0-9.]+)\\)");
        double cost = 0;
        double strong = 0;
        long withContext = 0;
        for (String d : decisions) {
            Matcher m = costs.matcher(d);
            assertTrue(m.find(), d);
            cost += Double.parseDouble(m.group(1));
            strong += Double.parseDouble(m.group(2));
            if (!d.contains("ctx=[]")) withContext++;
        }
        // The printed decisions round each cost to 5 decimals: their sums agree with the summary's to 1e-4.
        Matcher summed = Pattern.compile("  cost: \\$([0-9.]+) against \\$([0-9.]+) all-strong, saved \\$([0-9.]+) \\(").matcher(out);
        assertTrue(summed.find(), out);
        assertEquals(cost, Double.parseDouble(summed.group(1)), 1e-4, out);
        assertEquals(strong, Double.parseDouble(summed.group(2)), 1e-4, out);
        assertEquals(strong - cost, Double.parseDouble(summed.group(3)), 1e-4, out);
        assertTrue(lines.contains(String.format(Locale.ROOT, "  memory context: %.1f%% of decisions carried at least one memory",
                100.0 * withContext / DECISIONS)), out);
        assertTrue(lines.stream().anyMatch(l -> l.matches("  fallbacks: \\d+ \\(\\d+\\.\\d%\\).*")), out);
        Matcher latency = Pattern.compile("p50 (\\d+) ms, p99 (\\d+) ms, max (\\d+) ms").matcher(out);
        assertTrue(latency.find(), out);
        long p50 = Long.parseLong(latency.group(1));
        long p99 = Long.parseLong(latency.group(2));
        assertTrue(p50 <= p99 && p99 <= Long.parseLong(latency.group(3)), out);
    }
}
