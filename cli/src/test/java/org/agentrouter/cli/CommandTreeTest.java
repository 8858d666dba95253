package org.agentrouter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.agentrouter.cli.options.ExitCode;
import org.agentrouter.cli.options.HumanDuration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The whole command tree, walked: every command and subcommand answers -h and --help, every duration reads alike. */
class CommandTreeTest {

    /** Each command's words after "router" ("cluster up", "bench micro", ...), the root as an empty list. */
    private static List<List<String>> paths(CommandLine cmd, List<String> prefix, List<List<String>> out) {
        out.add(prefix);
        for (CommandLine sub : cmd.getSubcommands().values()) {
            List<String> path = new ArrayList<>(prefix);
            path.add(sub.getCommandName());
            if (!out.contains(path)) paths(sub, path, out);
        }
        return out;
    }

    private static List<CommandLine> commands(CommandLine cmd, List<CommandLine> out) {
        out.add(cmd);
        for (CommandLine sub : cmd.getSubcommands().values()) commands(sub, out);
        return out;
    }

    private record Run(int exit, String out, String err) {}

    private static Run run(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = RouterCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void everyCommandAndSubcommandAnswersHelpOnStdoutWithExitZero() {
        List<List<String>> paths = paths(RouterCli.commandLine(), List.of(), new ArrayList<>());
        assertTrue(paths.size() > 30, "the walk found " + paths);
        assertTrue(paths.contains(List.of("cluster", "up")) && paths.contains(List.of("model-key", "generate"))
                && paths.contains(List.of("memory", "import")) && paths.contains(List.of("bench", "pipeline")), paths.toString());
        for (List<String> path : paths) {
            for (String flag : List.of("-h", "--help")) {
                List<String> args = new ArrayList<>(path);
                args.add(flag);
                Run r = run(args);
                String what = "router " + String.join(" ", args) + "\nstdout: " + r.out + "\nstderr: " + r.err;
                assertEquals(ExitCode.OK, r.exit, what);
                String usage = "Usage: router" + (path.isEmpty() ? "" : " " + String.join(" ", path));
                assertTrue(r.out.lines().anyMatch(l -> l.startsWith(usage)), what);
                assertEquals("", r.err, what);
            }
        }
    }

    @Test
    void everyDurationOptionReadsBareNumbersAsSecondsAndNoOptionCountsSecondsAsAPlainNumber() {
        List<String> durations = new ArrayList<>();
        for (CommandLine cmd : commands(RouterCli.commandLine(), new ArrayList<>())) {
            for (OptionSpec o : cmd.getCommandSpec().options()) {
                String where = cmd.getCommandSpec().qualifiedName(" ") + " " + o.longestName();
                if (o.type() == Duration.class) {
                    durations.add(where);
                    CommandLine.ITypeConverter<?>[] converters = o.converters();
                    assertTrue(converters.length == 1 && converters[0] instanceof HumanDuration, where + " uses HumanDuration");
                }
                for (String name : o.names()) {
                    assertFalse((name.endsWith("-s") || name.endsWith("seconds")) && o.type() != Duration.class,
                            where + ": a time in seconds is a Duration option (HumanDuration)");
                }
            }
        }
        assertTrue(durations.contains("router demo --duration") && durations.contains("router consume --timeout")
                && durations.contains("router bench pipeline --warmup-seconds"), durations.toString());
    }

    @Test
    void aBareNumberIsSecondsForTheDemosDuration() {
        CommandLine.ParseResult parsed = RouterCli.commandLine().parseArgs("demo", "--duration", "400");
        assertEquals(Duration.ofSeconds(400), parsed.subcommand().matchedOptionValue("--duration", null));
    }

    @Test
    void aUsageErrorIsOneLineNamingTheOptionThenWhereTheHelpIs() {
        Run junk = run(List.of("demo", "--duration", "soon"));
        assertEquals(ExitCode.USAGE, junk.exit);
        assertEquals(List.of("error: Invalid value for option '--duration': 'soon' is not a duration: give " + HumanDuration.FORMS,
                "(./router demo --help lists the options)"), junk.err.lines().toList());

        Run misspelt = run(List.of("consume", "--from-begining"));
        assertEquals(ExitCode.USAGE, misspelt.exit);
        assertTrue(misspelt.err.startsWith("error: Unknown option: '--from-begining'"), misspelt.err);
        assertTrue(misspelt.err.contains("--from-beginning"), "suggests the option meant: " + misspelt.err);

        // Refused in call(), on a CommandLine the subcommand built itself: the pointer still names the whole path.
        Run refused = run(List.of("cluster", "up", "--kafka-properties", "/nonexistent/client.properties"));
        assertEquals(ExitCode.USAGE, refused.exit, refused.err);
        assertEquals(List.of("error: --kafka-properties goes with --bootstrap (the cluster's own broker is PLAINTEXT)",
                "(./router cluster up --help lists the options)"), refused.err.lines().toList());
        Run effect = run(List.of("rollout", "report", "--effect", "2"));
        assertEquals(ExitCode.USAGE, effect.exit, effect.err);
        assertEquals(List.of("error: --effect takes (0, 1), got 2.0", "(./router rollout report --help lists the options)"),
                effect.err.lines().toList());
    }

    @Test
    void aFailureIsOneLineWithItsFixAndTheExitCodeOfItsKind() {
        Run missing = run(List.of("memory", "stats", "--store", "/nonexistent/memory.db"));
        assertEquals(ExitCode.REFUSED, missing.exit, missing.err);
        assertEquals(1, missing.err.lines().count(), missing.err);
        assertTrue(missing.err.startsWith("error: "), missing.err);
    }
}
