package org.agentrouter.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.NoSuchFileException;
import java.util.concurrent.ExecutionException;
import org.agentrouter.agentdb.AgentDbException;
import org.agentrouter.cli.options.ExitCode;
import org.agentrouter.scoring.ModelRejectedException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Each known kind of failure: its line (problem and fix) and its exit code, found anywhere in the cause chain. */
class FailureReportTest {
    private static final CommandLine ROLLBACK = RouterCli.commandLine().getSubcommands().get("rollback");

    private static FailureReport report(Throwable e) {
        return FailureReport.of(e, ROLLBACK);
    }

    @Test
    void kafkaThatDoesNotAnswerNamesTheAddressAndHowToStartIt() {
        FailureReport r = report(new ExecutionException(new TimeoutException("Topic router-models not present in metadata after 10000 ms.")));
        assertEquals(ExitCode.UNAVAILABLE, r.exitCode());
        assertEquals("error: no Kafka broker answered at 127.0.0.1:9092: Topic router-models not present in metadata after 10000 ms. "
                + "(is Kafka running at 127.0.0.1:9092? start it with ./router demo or pass --bootstrap; "
                + "a broker that wants TLS or SASL looks silent too: --kafka-properties)", r.line());
        FailureReport own = report(new IllegalStateException("no Kafka broker answered at 127.0.0.1:9092 within 10s "
                + "(a broker that requires TLS or SASL looks the same: then pass --kafka-properties)"));
        assertEquals(ExitCode.UNAVAILABLE, own.exitCode());
        assertEquals("no Kafka broker answered at 127.0.0.1:9092 within 10s", own.problem());
    }

    @Test
    void refusedLoginsAndAclsAreUnavailableWithTheirFix() {
        FailureReport login = report(new RuntimeException(new SaslAuthenticationException("Authentication failed")));
        assertEquals(ExitCode.UNAVAILABLE, login.exitCode());
        assertEquals("error: Kafka at 127.0.0.1:9092 refused to log this client in: Authentication failed "
                + "(check the user, password and mechanism in the --kafka-properties file)", login.line());
        FailureReport acl = report(new ExecutionException(new TopicAuthorizationException("Not authorized to access topics: [router-models]")));
        assertEquals(ExitCode.UNAVAILABLE, acl.exitCode());
        assertEquals("it needs the ACLs of README \"Authenticated Kafka\"", acl.fix());
    }

    @Test
    void refusedInputsAreFour() {
        assertEquals("error: no such file: /tmp/nope/model.onnx (check the path)",
                report(new java.io.UncheckedIOException(new NoSuchFileException("/tmp/nope/model.onnx"))).line());
        FailureReport release = report(new ModelRejectedException("calibration", "the release is not calibrated"));
        assertEquals(ExitCode.REFUSED, release.exitCode());
        assertEquals("release refused: calibration: the release is not calibrated", release.problem());
        assertEquals(ExitCode.REFUSED, report(new AgentDbException("AgentDB file x has rows that cannot be imported")).exitCode());
        assertEquals(ExitCode.REFUSED, report(new IllegalArgumentException("Kafka client properties file /x does not exist")).exitCode());
    }

    @Test
    void anythingElseIsOneWithTheDebugHintOnOneLine() {
        FailureReport r = report(new IllegalStateException("first line\n  second line"));
        assertEquals(ExitCode.FAILED, r.exitCode());
        assertEquals("error: first line; second line (ROUTER_DEBUG=1 prints the stack trace)", r.line());
    }
}
