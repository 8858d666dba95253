package org.agentrouter.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** topics.json (read by the TypeScript client's generator) and the Java constants name the same topics. */
class TopicsTest {
    @Test
    void jsonListsTheJavaTopicsInOrder() throws Exception {
        JsonNode topics = new ObjectMapper().readTree(Path.of("src/main/avro/topics.json").toFile()).path("topics");
        List<String> names = new ArrayList<>();
        Set<String> compacted = new TreeSet<>();
        for (JsonNode t : topics) {
            String name = t.path("name").asText();
            names.add(name);
            Field constant = Topics.class.getField(t.path("constant").asText());
            assertEquals(name, constant.get(null), t.path("constant").asText());
            if (t.path("compacted").asBoolean()) compacted.add(name);
            if (t.has("deleteRetentionMs")) {
                assertEquals(Topics.AGENT_MEMORIES, name);
                assertEquals(Topics.AGENT_MEMORIES_DELETE_RETENTION_MS, t.path("deleteRetentionMs").asLong());
            }
        }
        assertEquals(Topics.ALL, names);
        assertEquals(new TreeSet<>(Topics.COMPACTED), compacted);
    }
}
