package org.agentrouter.cli.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time of this JVM's JIT compiler threads (C1, C2), which no Java API reports: read from
 * {@code /proc/self/task/<tid>/stat} on Linux. The pipeline benchmark counts them apart from the rest of
 * "JVM internal" because on two busy cores C2 is still compiling Flink's and Kafka's code minutes into a
 * run, a start-up cost that would otherwise read as CPU per decision.
 */
final class CompilerThreadsCpu {
    /** OS names of HotSpot's compiler threads ("C2 CompilerThread0", truncated to 15 characters by Linux). */
    private static final String[] PREFIXES = {"C1 CompilerThre", "C2 CompilerThre"};

    private final Path tasks;
    private final double ticksPerSecond;

    CompilerThreadsCpu() {
        this(Path.of("/proc/self/task"), 100);
    }

    CompilerThreadsCpu(Path tasks, double ticksPerSecond) {
        this.tasks = tasks;
        this.ticksPerSecond = ticksPerSecond;
    }

    /** Seconds of CPU (user + system) the compiler threads used so far; -1 where /proc is not there. */
    double seconds() {
        if (!Files.isDirectory(tasks)) return -1;
        long ticks = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tasks)) {
            for (Path task : dirs) {
                ticks += compilerTicks(task.resolve("stat"));
            }
        } catch (IOException e) {
            return -1;
        }
        return ticks / ticksPerSecond;
    }

    private static long compilerTicks(Path stat) {
        String s;
        try {
            s = Files.readString(stat);
        } catch (IOException e) {
            return 0; // the thread ended in between
        }
        return compilerTicks(s);
    }

    /** utime + stime of one {@code stat} line when its thread is a compiler thread, else 0. */
    static long compilerTicks(String stat) {
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) return 0;
        String name = stat.substring(open + 1, close);
        boolean compiler = false;
        for (String p : PREFIXES) compiler |= name.startsWith(p);
        if (!compiler) return 0;
        // Fields after the name: state(3) ppid(4) ... utime(14) stime(15), counted from 1 with pid and name.
        String[] f = stat.substring(close + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
