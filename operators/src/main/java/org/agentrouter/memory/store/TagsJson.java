package org.agentrouter.memory.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;

import org.agentrouter.memory.CandidateSet;
/**
 * Tags are stored as a JSON array of strings: tags may contain any character, and SQL tools can still
 * look inside with {@code json_each}.
 */
public final class TagsJson {
    static final String EMPTY = "[]";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectReader READER = MAPPER.readerFor(String[].class);
    private static final ObjectWriter WRITER = MAPPER.writerFor(String[].class);

    private TagsJson() {}

    static String encode(String[] tags) {
        if (tags == null || tags.length == 0) {
            return EMPTY;
        }
        try {
            return WRITER.writeValueAsString(tags);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tags cannot be written as JSON", e);
        }
    }

    /** Never null; {@link CandidateSet#NO_TAGS} for an empty or missing list. */
    static String[] decode(String json) {
        // Most memories have no tags: skip the parser for them.
        if (json == null || json.equals(EMPTY)) {
            return CandidateSet.NO_TAGS;
        }
        try {
            String[] tags = READER.readValue(json);
            return tags == null || tags.length == 0 ? CandidateSet.NO_TAGS : tags;
        } catch (JsonProcessingException e) {
            throw new MemoryStoreException("corrupt tags column: " + json, e);
        }
    }

    public static boolean contains(String[] tags, String tag) {
        for (String t : tags) {
            if (tag.equals(t)) {
                return true;
            }
        }
        return false;
    }
}
