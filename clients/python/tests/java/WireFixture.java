import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ContextItem;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;

/**
 * The Java side of the Python client's wire test (tests/test_wire_java.py), run as a single-file program on the job's
 * classpath. Reads two hex lines (an AgentQuery and a RoutingFeedback the Python client encoded), decodes them with
 * the job's own AvroWire and prints: the hex of a RoutingDecision Java encoded, each decoded record as JSON, and
 * each decoded record encoded again by Java.
 */
public class WireFixture {
    public static void main(String[] args) throws Exception {
        HexFormat hex = HexFormat.of();
        RoutingDecision decision = RoutingDecision.newBuilder()
                .setQueryId("q-java-1").setNamespace("ns-\u00e9t\u00e9").setUserId("u7").setRoute("strong")
                .setModel("gpt-4-1106-preview").setConfidence(0.75).setPStrong(0.625).setPredictionSet(List.of("cheap", "strong"))
                .setUncertain(true).setAlpha(0.1)
                .setContext(List.of(new ContextItem("mem-1", 0.5f), new ContextItem("mem-\uD83D\uDE00", 0.25f)))
                .setCandidatesConsidered(42).setEstimatedCostUsd(0.0123).setStrongCostUsd(0.0456)
                .setFallbackLevel(FallbackLevel.RECENT_DECISION).setFallbackReason("scorer warming up")
                .setModelVersion("1.2.3").setModelRole("challenger").setEventTimeMs(1_700_000_000_123L)
                .setDecidedAtMs(1_700_000_000_456L).setProcessingLatencyUs(789L).build();
        System.out.println(hex.formatHex(AvroWire.DECISION.encode(decision)));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        AgentQuery query = AvroWire.QUERY.decode(hex.parseHex(in.readLine().trim()));
        RoutingFeedback feedback = AvroWire.FEEDBACK.decode(hex.parseHex(in.readLine().trim()));
        System.out.println(query);
        System.out.println(feedback);
        System.out.println(hex.formatHex(AvroWire.QUERY.encode(query)));
        System.out.println(hex.formatHex(AvroWire.FEEDBACK.encode(feedback)));
    }
}
