package org.agentrouter.agentdb;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.agentrouter.memory.MemoryMessages;
import org.agentrouter.memory.MemoryRecord;

import org.agentrouter.wire.Embeddings;
/**
 * The one place where AgentDB 1.6.1 rows become {@link MemoryRecord}s (README, "Import AgentDB memories").
 *
 * <pre>
 * field          episodes                          skills                    reasoning_patterns
 * id             agentdb:SOURCE:episode:ID         agentdb:SOURCE:skill:ID   agentdb:SOURCE:pattern:ID
 * namespace      metadata.namespace, else --namespace, else (--session-namespaces) session_id, else SOURCE
 * text           task, input, output, critique     name, description         task_type: approach
 *                (non-empty ones, one per line)
 * session_id     session_id                        -                         -
 * created_at_ms  ts * 1000                         created_at * 1000         ts * 1000
 * last_used_at   0                                 last_used_at * 1000       0
 * use_count      0                                 uses                      uses
 * success_rate   success (0 or 1)                  success_rate              success_rate
 * reward         reward                            avg_reward                avg_reward
 * tags           tags (JSON array)                 metadata.tags if an array tags (JSON array)
 * source_id      FILE#episodes#ID                  FILE#skills#ID            FILE#reasoning_patterns#ID
 * embedding      episode_embeddings.embedding      skill_embeddings          pattern_embeddings
 * </pre>
 * SOURCE is {@code --namespace} when given, else the file name without its extension; it keeps ids stable
 * across imports of the same file, so re-imports update instead of duplicating. Confidence and the
 * cheap/strong outcomes are unknown in AgentDB and stay unknown. A metadata.namespace that is explicit on a
 * row wins because the agent said so; sessions are kept in session_id (the scorer's same-session feature)
 * and become namespaces only on request, since one namespace per session would hide an agent's memories
 * from its own next session.
 */
final class AgentDbMapping {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** AgentDB stores seconds; a value this large is already milliseconds (written by another tool). */
    private static final long MILLIS_THRESHOLD = 100_000_000_000L;

    private final Path file;
    private final String source;
    private final String namespaceOption;
    private final boolean sessionNamespaces;

    /**
     * @param namespaceOption {@code --namespace}, or null
     * @param sessionNamespaces episodes without metadata.namespace go to their session_id's namespace
     */
    AgentDbMapping(Path file, String namespaceOption, boolean sessionNamespaces) {
        this.file = file.toAbsolutePath();
        this.namespaceOption = blankToNull(namespaceOption);
        this.sessionNamespaces = sessionNamespaces;
        this.source = this.namespaceOption != null ? this.namespaceOption : baseName(this.file);
    }

    /** The id prefix of every memory imported from this file with these options. */
    String idPrefix() {
        return "agentdb:" + source + ":";
    }

    String source() {
        return source;
    }

    /** The start of the source id of every memory made from this file ({@code FILE#}). */
    String sourceIdPrefix() {
        return file + "#";
    }

    /**
     * A mapped row: the record, or why it cannot be a memory; the memory id the row has (or would have),
     * namespace and kind are set either way.
     */
    record Mapped(String id, MemoryRecord record, String namespace, String kind, String rejection, String where) {}

    Mapped map(AgentDbRow row) {
        String kind = row.table().kind;
        String where = row.where();
        String id = idPrefix() + kind + ":" + row.id();
        JsonNode metadata;
        try {
            metadata = json(row.columns().get("metadata"));
        } catch (JsonProcessingException e) {
            return new Mapped(id, null, fallbackNamespace(row), kind, "metadata is not valid JSON", where);
        }
        String namespace = namespace(row, metadata);
        if (row.embedding() == null) {
            return new Mapped(id, null, namespace, kind, "no embedding", where);
        }
        MemoryRecord r = new MemoryRecord();
        r.id = id;
        r.namespace = namespace;
        r.kind = kind;
        r.sourceId = file + "#" + row.table().table + "#" + row.id();
        r.embedding = floats(row.embedding());
        try {
            switch (row.table()) {
                case EPISODES -> {
                    r.text = lines(row, "task", "input", "output", "critique");
                    r.sessionId = string(row, "session_id");
                    r.createdAtMs = millis(row, "ts");
                    Number success = number(row, "success");
                    r.successRate = success == null ? Float.NaN : (success.doubleValue() != 0 ? 1f : 0f);
                    r.reward = floatOrNaN(row, "reward");
                    r.tags = tags(json(row.columns().get("tags")), "tags");
                }
                case SKILLS -> {
                    r.text = lines(row, "name", "description");
                    r.createdAtMs = millis(row, "created_at");
                    r.lastUsedAtMs = millis(row, "last_used_at");
                    r.useCount = uses(row);
                    r.successRate = floatOrNaN(row, "success_rate");
                    r.reward = floatOrNaN(row, "avg_reward");
                    r.tags = tags(metadata == null ? null : metadata.get("tags"), "metadata.tags");
                }
                case PATTERNS -> {
                    String taskType = string(row, "task_type");
                    String approach = string(row, "approach");
                    r.text = (taskType == null ? "" : taskType + ": ") + (approach == null ? "" : approach);
                    r.createdAtMs = millis(row, "ts");
                    r.useCount = uses(row);
                    r.successRate = floatOrNaN(row, "success_rate");
                    r.reward = floatOrNaN(row, "avg_reward");
                    r.tags = tags(json(row.columns().get("tags")), "tags");
                }
            }
            // The store's and the topic's own checks (finite non-zero vector, rates in 0..1, ...): one rule set.
            MemoryMessages.toMessage(r, 0);
        } catch (JsonProcessingException e) {
            return new Mapped(id, null, namespace, kind, "tags is not valid JSON", where);
        } catch (IllegalArgumentException e) {
            return new Mapped(id, null, namespace, kind, reason(e.getMessage()), where);
        }
        return new Mapped(id, r, namespace, kind, null, where);
    }

    private String namespace(AgentDbRow row, JsonNode metadata) {
        if (metadata != null && metadata.path("namespace").isTextual() && !metadata.get("namespace").asText().isBlank()) {
            return metadata.get("namespace").asText();
        }
        return fallbackNamespace(row);
    }

    private String fallbackNamespace(AgentDbRow row) {
        if (namespaceOption != null) {
            return namespaceOption;
        }
        if (sessionNamespaces && row.table() == AgentDbTable.EPISODES) {
            String session = string(row, "session_id");
            if (session != null && !session.isBlank()) {
                return session;
            }
        }
        return source;
    }

    /** MemoryRecordChecks names the record ("record #0 (id ...): "); the summary names the row itself. */
    private static String reason(String message) {
        int colon = message.indexOf("): ");
        return colon >= 0 ? message.substring(colon + 3) : message;
    }

    private static float[] floats(byte[] blob) {
        return Embeddings.fromBytes(blob);
    }

    private static String lines(AgentDbRow row, String... columns) {
        List<String> parts = new ArrayList<>();
        for (String c : columns) {
            String s = string(row, c);
            if (s != null && !s.isBlank()) {
                parts.add(s);
            }
        }
        return String.join("\n", parts);
    }

    private static String string(AgentDbRow row, String column) {
        Object v = row.columns().get(column);
        return v == null ? null : v.toString();
    }

    private static Number number(AgentDbRow row, String column) {
        Object v = row.columns().get(column);
        if (v == null) {
            return null;
        }
        if (v instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException(column + " is not a number: '" + v + "'");
    }

    private static float floatOrNaN(AgentDbRow row, String column) {
        Number n = number(row, column);
        return n == null ? Float.NaN : n.floatValue();
    }

    private static long millis(AgentDbRow row, String column) {
        Number n = number(row, column);
        if (n == null) {
            return 0;
        }
        long v = n.longValue();
        return v >= MILLIS_THRESHOLD ? v : v * 1000;
    }

    private static int uses(AgentDbRow row) {
        Number n = number(row, "uses");
        return n == null ? 0 : n.intValue();
    }

    private static JsonNode json(Object value) throws JsonProcessingException {
        if (value == null) {
            return null;
        }
        String text = value instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : value.toString();
        return text.isBlank() ? null : JSON.readTree(text);
    }

    /** A JSON array of tags; non-string items are kept as their JSON text. */
    private static String[] tags(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return new String[0];
        }
        if (!node.isArray()) {
            throw new IllegalArgumentException(field + " is not a JSON array");
        }
        String[] out = new String[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode item = node.get(i);
            out[i] = item.isTextual() ? item.asText() : item.toString();
        }
        return out;
    }

    private static String baseName(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        return base.isBlank() ? "agentdb" : base;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
