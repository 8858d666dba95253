package org.agentrouter.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading a process's and its threads' CPU time from /proc-shaped files. */
class ProcessCpuTest {
    @TempDir
    Path proc;

    private static String stat(int tid, String name, long utime, long stime) {
        return tid + " (" + name + ") S 1 1 1 0 -1 4194368 100 0 0 0 " + utime + " " + stime + " 0 0 20 0 1 0 100 0 0\n";
    }

    @Test
    void sumsUserAndSystemTicksAndNamesThreadsEvenWithSpacesAndParentheses() throws Exception {
        Files.writeString(proc.resolve("stat"), stat(7, "java", 250, 100));
        Path tasks = Files.createDirectories(proc.resolve("task"));
        Files.createDirectories(tasks.resolve("8"));
        Files.writeString(tasks.resolve("8").resolve("stat"), stat(8, "retrieve (memor", 40, 2));
        Files.createDirectories(tasks.resolve("9"));
        Files.writeString(tasks.resolve("9").resolve("stat"), stat(9, "C2 CompilerThre", 10, 1));
        ProcessCpu cpu = new ProcessCpu(proc);
        assertEquals(3.5, cpu.seconds(), 1e-9);
        assertEquals(Map.of("retrieve (memor #8", 42L, "C2 CompilerThre #9", 11L), cpu.threadTicks());

        Map<String, Double> busiest = PipelineSweep.busiestThreads(Map.of("retrieve (memor #8", 2L), cpu.threadTicks(), 2.0);
        assertEquals(0.2, busiest.get("retrieve (memor #8"), 1e-9);
        assertEquals(0.055, busiest.get(PipelineSweep.JIT_COMPILERS), 1e-9);
    }

    @Test
    void aMissingProcessReadsAsUnknown() {
        ProcessCpu gone = new ProcessCpu(proc.resolve("absent"));
        assertEquals(-1, gone.seconds());
        assertTrue(gone.threadTicks().isEmpty());
    }

    @Test
    void readsThisProcessOnLinux() {
        if (!Files.isDirectory(Path.of("/proc/self/task"))) return; // not Linux
        ProcessCpu self = new ProcessCpu(ProcessHandle.current().pid());
        assertTrue(self.seconds() > 0);
        assertTrue(self.threadTicks().size() > 1);
    }
}
