package org.agentrouter.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.agentrouter.schema.FallbackLevel;
import org.agentrouter.schema.RoutingDecision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Structured decision log: one JSON line for every fallback and, at a sample rate, for ordinary
 * decisions. It carries a hash of the query text, never the text (queries may hold personal data).
 * Logger name {@code org.agentrouter.decisions}, so operators can route it to its own appender.
 */
final class DecisionLog {
    private static final Logger LOG = LoggerFactory.getLogger("org.agentrouter.decisions");

    private final int sampleEvery;
    private final ObjectMapper json = new ObjectMapper();
    private final MessageDigest sha256;
    private long seen;

    DecisionLog(int sampleEvery) {
        this.sampleEvery = sampleEvery;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void record(RoutingDecision d, String text) {
        seen++;
        boolean fallback = d.getFallbackLevel() != FallbackLevel.NONE;
        boolean sampled = sampleEvery > 0 && seen % sampleEvery == 0;
        if (!(fallback || sampled) || !LOG.isInfoEnabled()) return;
        ObjectNode line = json.createObjectNode()
                .put("event", fallback ? "fallback" : "decision")
                .put("query_id", d.getQueryId())
                .put("namespace", d.getNamespace())
                .put("query_sha256", hash(text))
                .put("route", d.getRoute())
                .put("model", d.getModel())
                .put("confidence", d.getConfidence())
                .put("p_strong", d.getPStrong())
                .put("fallback_level", d.getFallbackLevel().name())
                .put("fallback_reason", d.getFallbackReason())
                .put("model_version", d.getModelVersion())
                .put("latency_us", d.getProcessingLatencyUs());
        LOG.info(line.toString());
    }

    private String hash(String text) {
        if (text == null) return null;
        sha256.reset();
        return HexFormat.of().formatHex(sha256.digest(text.getBytes(StandardCharsets.UTF_8)), 0, 8);
    }
}
