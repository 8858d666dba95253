package org.agentrouter.cli.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of another process and of its threads, read from Linux's {@code /proc/<pid>/stat} and
 * {@code /proc/<pid>/task/<tid>/stat} (user + system, in clock ticks of 10 ms). CPU time, unlike wall-clock
 * latency, barely depends on what else the machine runs, so it is what the pipeline benchmark compares.
 */
final class ProcessCpu {
    /** USER_HZ: 100 on every Linux this project runs on (getconf CLK_TCK). */
    static final double TICKS_PER_SECOND = 100;

    private final Path proc;

    ProcessCpu(long pid) {
        this(Path.of("/proc", Long.toString(pid)));
    }

    ProcessCpu(Path proc) {
        this.proc = proc;
    }

    /** Seconds of CPU the whole process used so far (all threads, JIT and GC included); -1 when unreadable. */
    double seconds() {
        long ticks = ticks(proc.resolve("stat"));
        return ticks < 0 ? -1 : ticks / TICKS_PER_SECOND;
    }

    /**
     * Ticks per thread so far, by "name #tid" (Linux truncates thread names to 15 characters: Flink's task
     * threads read like "retrieve (memor", HotSpot's like "C2 CompilerThre").
     */
    Map<String, Long> threadTicks() {
        Map<String, Long> out = new HashMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve("task"))) {
            for (Path task : tasks) {
                String stat = read(task.resolve("stat"));
                if (stat == null) continue; // the thread ended meanwhile
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                long t = ticksOf(stat);
                if (open < 0 || close < open || t < 0) continue;
                out.put(stat.substring(open + 1, close) + " #" + task.getFileName(), t);
            }
        } catch (IOException e) {
            // process gone: nothing to report
        }
        return out;
    }

    private static long ticks(Path stat) {
        String s = read(stat);
        return s == null ? -1 : ticksOf(s);
    }

    /** utime + stime: fields 14 and 15 of stat, counted after the command name, which may hold spaces. */
    static long ticksOf(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) return -1;
        String[] f = stat.substring(close + 2).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3].
        if (f.length < 13) return -1;
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return null;
        }
    }
}
