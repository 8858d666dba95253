package org.agentrouter.cli;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.agentrouter.memory.MemoryStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "memory", mixinStandardHelpOptions = true, description = "Inspect a memory store.",
        subcommands = {MemoryCommand.Stats.class})
final class MemoryCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Memories per namespace and kind.")
    static final class Stats implements Callable<Integer> {
        @Option(names = "--store", required = true, description = "SQLite + sqlite-vec memory store")
        Path store;

        @Override
        public Integer call() {
            try (MemoryStore s = MemoryStore.openReadOnly(store)) {
                Map<String, Map<String, Long>> counts = s.countsByNamespaceAndKind();
                System.out.printf("%-30s %-10s %10s%n", "namespace", "kind", "memories");
                counts.forEach((ns, kinds) -> kinds.forEach((kind, n) -> System.out.printf("%-30s %-10s %10d%n", ns, kind, n)));
                System.out.printf("%-41s %10d%n", "total", s.count());
            }
            return 0;
        }
    }
}
