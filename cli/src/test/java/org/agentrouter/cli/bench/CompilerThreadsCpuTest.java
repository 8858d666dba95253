package org.agentrouter.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JIT compiler threads' CPU, from /proc/<pid>/task/<tid>/stat lines. */
class CompilerThreadsCpuTest {
    @TempDir
    Path tasks;

    private static String stat(int tid, String name, long utime, long stime) {
        return tid + " (" + name + ") S 1 1 1 0 -1 1077936192 100 0 0 0 " + utime + " " + stime + " 0 0 20 0 40 0 5 0 0\n";
    }

    @Test
    void sumsOnlyTheCompilerThreads() throws Exception {
        write(101, stat(101, "C2 CompilerThre", 250, 50));
        write(102, stat(102, "C1 CompilerThre", 30, 20));
        write(103, stat(103, "GC Thread#0", 900, 100));
        write(104, stat(104, "score (ONNX) ->", 4000, 10));

        assertEquals(3.5, new CompilerThreadsCpu(tasks, 100).seconds(), 1e-9);
    }

    @Test
    void aThreadNameWithSpacesAndParenthesesIsParsedFromTheLastParenthesis() {
        assertEquals(0, CompilerThreadsCpu.compilerTicks(stat(7, "retrieve (memor", 10, 1)));
        assertEquals(11, CompilerThreadsCpu.compilerTicks(stat(7, "C2 CompilerThre", 10, 1)));
    }

    @Test
    void withoutProcItIsUnknown() {
        assertEquals(-1, new CompilerThreadsCpu(tasks.resolve("absent"), 100).seconds());
    }

    @Test
    void readsThisJvm() {
        if (!Files.isDirectory(Path.of("/proc/self/task"))) return;
        assertTrue(new CompilerThreadsCpu().seconds() >= 0);
    }

    private void write(int tid, String line) throws Exception {
        Files.createDirectories(tasks.resolve(String.valueOf(tid)));
        Files.writeString(tasks.resolve(String.valueOf(tid)).resolve("stat"), line);
    }
}
