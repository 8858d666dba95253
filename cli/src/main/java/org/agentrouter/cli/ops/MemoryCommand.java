package org.agentrouter.cli.ops;

import org.agentrouter.job.KafkaPropertiesOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.agentrouter.agentdb.AgentDbImportSummary;
import org.agentrouter.agentdb.AgentDbImporter;
import org.agentrouter.memory.store.MemoryStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.agentrouter.cli.options.HumanDuration;
@Command(name = "memory", mixinStandardHelpOptions = true, description = "Inspect a memory store; import AgentDB memories.",
        subcommands = {MemoryCommand.Stats.class, MemoryCommand.Import.class})
public final class MemoryCommand implements Runnable {
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
        public Integer call() throws java.nio.file.NoSuchFileException {
            // SQLite would say "out of memory" or create nothing useful: name the missing file instead.
            if (!java.nio.file.Files.isRegularFile(store)) throw new java.nio.file.NoSuchFileException(store.toString());
            try (MemoryStore s = MemoryStore.openReadOnly(store)) {
                Map<String, Map<String, Long>> counts = s.countsByNamespaceAndKind();
                System.out.printf("%-30s %-10s %10s%n", "namespace", "kind", "memories");
                counts.forEach((ns, kinds) -> kinds.forEach((kind, n) -> System.out.printf("%-30s %-10s %10d%n", ns, kind, n)));
                System.out.printf("%-41s %10d%n", "total", s.count());
            }
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Imports an AgentDB 1.6.1 file's episodes, skills and reasoning patterns (with their 384-d "
                    + "embeddings) into a memory store, or with --bootstrap onto the agent-memories topic.",
                "Never writes to the AgentDB file. Re-imports write only new and changed rows, and retire the memories "
                    + "of rows deleted from the file since (counted under 'retired'). "
                    + "Field and namespace mapping: README, \"Import AgentDB memories\"."})
    static final class Import implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--agentdb", required = true, description = "the agent's AgentDB database file (read only)")
        Path agentDb;

        @Option(names = "--store", description = "memory store to import into (created when missing)")
        Path store;

        @Option(names = "--bootstrap", description = "HOST:PORT: publish to the agent-memories topic instead of a store")
        String bootstrap;

        @picocli.CommandLine.Mixin
        KafkaPropertiesOption kafkaProperties = new KafkaPropertiesOption();

        @Option(names = "--namespace", description = "namespace of rows without metadata.namespace; also names the "
                + "source in memory ids (default: the file name without extension). Keep it the same across re-imports.")
        String namespace;

        @Option(names = "--session-namespaces", description = "episodes without metadata.namespace go to the namespace "
                + "named by their session_id (default: the file's namespace; session_id is kept either way)")
        boolean sessionNamespaces;

        @Option(names = "--strict", description = "fail, importing nothing, when any row is rejected (default: skip and report it)")
        boolean strict;

        @Option(names = "--timeout", defaultValue = "30s", converter = HumanDuration.class,
                description = "Kafka timeout with --bootstrap (default ${DEFAULT-VALUE})")
        Duration timeout;

        @Option(names = "--no-progress", description = "no progress bars")
        boolean noProgress;

        @Override
        public Integer call() {
            if ((store == null) == (bootstrap == null)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                        "give exactly one of --store FILE and --bootstrap HOST:PORT");
            }
            AgentDbImporter importer = new AgentDbImporter(agentDb, namespace, sessionNamespaces, strict, !noProgress);
            AgentDbImportSummary summary = bootstrap != null
                    ? importer.intoTopic(kafkaProperties.connect(bootstrap), timeout)
                    : importer.intoStore(store);
            summary.print(System.out);
            return 0;
        }
    }
}
