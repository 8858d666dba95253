package org.agentrouter.cli;

import java.io.FileNotFoundException;
import java.net.BindException;
import java.net.ConnectException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.agentrouter.agentdb.AgentDbException;
import org.agentrouter.cli.options.ExitCode;
import org.agentrouter.scoring.ModelRejectedException;
import org.agentrouter.wire.WireFormatException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * A failure a command did not handle, as one line that names the problem and, where it is known, the fix, and the
 * exit code of its kind ({@link ExitCode}). The kinds are recognised anywhere in the cause chain, so a timeout
 * wrapped in an ExecutionException still reads as "Kafka does not answer".
 */
record FailureReport(int exitCode, String problem, String fix) {

    /** {@code error: <problem> (<fix>)} on one line. */
    String line() {
        return "error: " + oneLine(problem) + (fix == null ? "" : " (" + fix + ")");
    }

    static FailureReport of(Throwable failure, CommandLine command) {
        String bootstrap = optionValue(command, "--bootstrap");
        String kafka = bootstrap == null ? "Kafka" : "Kafka at " + bootstrap;
        for (Throwable c = failure; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String message = String.valueOf(c.getMessage());
            if (c instanceof AuthenticationException) {
                return new FailureReport(ExitCode.UNAVAILABLE, kafka + " refused to log this client in: " + message,
                        "check the user, password and mechanism in the --kafka-properties file");
            }
            if (c instanceof AuthorizationException) {
                return new FailureReport(ExitCode.UNAVAILABLE, kafka + " refused this principal: " + message,
                        "it needs the ACLs of README \"Authenticated Kafka\"");
            }
            if (message.startsWith("Kafka at ") && message.contains("refused to authenticate")) {
                return new FailureReport(ExitCode.UNAVAILABLE, message,
                        "check the user, password and mechanism in the --kafka-properties file");
            }
            if (message.startsWith("no Kafka broker answered") || c instanceof TimeoutException) {
                String where = bootstrap == null ? "the bootstrap address" : bootstrap;
                // TopicAdmin's own message carries a hint of its own in parentheses: the fix below says it too.
                int hint = message.indexOf(" (a broker that requires TLS");
                String problem = message.startsWith("no Kafka broker answered")
                        ? (hint > 0 ? message.substring(0, hint) : message)
                        : "no Kafka broker answered at " + where + ": " + message;
                return new FailureReport(ExitCode.UNAVAILABLE, problem,
                        "is Kafka running at " + where + "? start it with ./router demo or pass --bootstrap; "
                                + "a broker that wants TLS or SASL looks silent too: --kafka-properties");
            }
            if (message.startsWith("missing Kafka topics")) {
                return new FailureReport(ExitCode.UNAVAILABLE, message, null);
            }
            if (message.startsWith("no Flink JobManager answered") || c instanceof ConnectException) {
                return new FailureReport(ExitCode.UNAVAILABLE, message,
                        "is the cluster up? ./router cluster up, or pass --jobmanager HOST:PORT");
            }
            if (c instanceof BindException) {
                return new FailureReport(ExitCode.UNAVAILABLE, "a port this command listens on is taken: " + message,
                        "another ./router demo or a broker runs already: stop it, or pass other ports (--kafka-port, --ui-port, --prometheus-port)");
            }
            if (c instanceof NoSuchFileException || c instanceof FileNotFoundException) {
                return new FailureReport(ExitCode.REFUSED, "no such file: " + message, "check the path");
            }
            if (c instanceof AccessDeniedException) {
                return new FailureReport(ExitCode.REFUSED, "not allowed to open " + message, "check the file's permissions");
            }
            if (c instanceof ModelRejectedException) {
                return new FailureReport(ExitCode.REFUSED, "release refused: " + message,
                        "the job would refuse it too; ./router publish-model --help lists the checks");
            }
            if (c instanceof AgentDbException || c instanceof WireFormatException) {
                return new FailureReport(ExitCode.REFUSED, message, null);
            }
        }
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        if (failure instanceof IllegalArgumentException || failure instanceof java.io.UncheckedIOException) {
            return new FailureReport(ExitCode.REFUSED, message, null);
        }
        return new FailureReport(ExitCode.FAILED, message, "ROUTER_DEBUG=1 prints the stack trace");
    }

    /** The value (or default) of the failed command's option, or null when it has none. */
    private static String optionValue(CommandLine command, String name) {
        if (command == null) return null;
        OptionSpec option = command.getCommandSpec().findOption(name);
        Object value = option == null ? null : option.getValue();
        return value == null ? null : value.toString();
    }

    private static String oneLine(String text) {
        return text.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
