package org.agentrouter.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Plain JSON to and from our Avro records, for people typing queries and reading decisions.
 * Avro's own JSON encoding wraps union values ({"string": "x"}) and nobody types that by hand;
 * here a nullable field is just a value or null, bytes are base64, enums are their symbol, and a
 * missing field takes its schema default.
 */
public final class JsonRecords {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonRecords() {}

    public static <T extends SpecificRecordBase> T fromJson(String json, Schema schema) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        Object generic = convert(node, schema, schema.getName());
        @SuppressWarnings("unchecked")
        T specific = (T) SpecificData.getForSchema(schema).deepCopy(schema, generic);
        return specific;
    }

    public static String toJson(IndexedRecord record) {
        try {
            return MAPPER.writeValueAsString(toNode(record, record.getSchema()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object convert(JsonNode node, Schema schema, String path) {
        switch (schema.getType()) {
            case RECORD: {
                if (node == null || !node.isObject()) {
                    throw new IllegalArgumentException(path + ": expected an object");
                }
                GenericRecord rec = new GenericData.Record(schema);
                for (Schema.Field f : schema.getFields()) {
                    JsonNode v = node.get(f.name());
                    if (v == null) {
                        if (!f.hasDefaultValue()) {
                            throw new IllegalArgumentException(path + "." + f.name() + ": required field missing");
                        }
                        rec.put(f.pos(), GenericData.get().deepCopy(f.schema(), GenericData.get().getDefaultValue(f)));
                    } else {
                        rec.put(f.pos(), convert(v, f.schema(), path + "." + f.name()));
                    }
                }
                Iterator<String> names = node.fieldNames();
                while (names.hasNext()) {
                    String n = names.next();
                    if (schema.getField(n) == null) {
                        throw new IllegalArgumentException(path + "." + n + ": no such field in " + schema.getName());
                    }
                }
                return rec;
            }
            case UNION: {
                if (node == null || node.isNull()) {
                    if (schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL)) {
                        return null;
                    }
                    throw new IllegalArgumentException(path + ": null not allowed");
                }
                IllegalArgumentException last = null;
                for (Schema branch : schema.getTypes()) {
                    if (branch.getType() == Schema.Type.NULL) continue;
                    try {
                        return convert(node, branch, path);
                    } catch (IllegalArgumentException e) {
                        last = e;
                    }
                }
                throw last != null ? last : new IllegalArgumentException(path + ": no union branch fits");
            }
            case ARRAY: {
                if (!node.isArray()) throw new IllegalArgumentException(path + ": expected an array");
                List<Object> list = new ArrayList<>(node.size());
                for (int i = 0; i < node.size(); i++) {
                    list.add(convert(node.get(i), schema.getElementType(), path + "[" + i + "]"));
                }
                return new GenericData.Array<>(schema, list);
            }
            case MAP: {
                if (!node.isObject()) throw new IllegalArgumentException(path + ": expected an object");
                Map<String, Object> map = new LinkedHashMap<>();
                node.fields().forEachRemaining(e -> map.put(e.getKey(), convert(e.getValue(), schema.getValueType(), path + "." + e.getKey())));
                return map;
            }
            case ENUM:
                if (!node.isTextual() || !schema.getEnumSymbols().contains(node.asText())) {
                    throw new IllegalArgumentException(path + ": expected one of " + schema.getEnumSymbols());
                }
                return new GenericData.EnumSymbol(schema, node.asText());
            case STRING:
                if (!node.isTextual()) throw new IllegalArgumentException(path + ": expected a string");
                return node.asText();
            case BYTES:
                if (!node.isTextual()) throw new IllegalArgumentException(path + ": expected base64 text");
                return ByteBuffer.wrap(Base64.getDecoder().decode(node.asText()));
            case INT:
                if (!node.canConvertToInt() || !node.isIntegralNumber()) throw new IllegalArgumentException(path + ": expected an int");
                return node.intValue();
            case LONG:
                if (!node.isIntegralNumber()) throw new IllegalArgumentException(path + ": expected an integer");
                return node.longValue();
            case FLOAT:
                if (!node.isNumber()) throw new IllegalArgumentException(path + ": expected a number");
                return node.floatValue();
            case DOUBLE:
                if (!node.isNumber()) throw new IllegalArgumentException(path + ": expected a number");
                return node.doubleValue();
            case BOOLEAN:
                if (!node.isBoolean()) throw new IllegalArgumentException(path + ": expected true or false");
                return node.booleanValue();
            case NULL:
                if (!node.isNull()) throw new IllegalArgumentException(path + ": expected null");
                return null;
            default:
                throw new IllegalArgumentException(path + ": unsupported type " + schema.getType());
        }
    }

    private static JsonNode toNode(Object value, Schema schema) {
        if (value == null) return NODES.nullNode();
        switch (schema.getType()) {
            case RECORD: {
                IndexedRecord rec = (IndexedRecord) value;
                ObjectNode obj = NODES.objectNode();
                for (Schema.Field f : schema.getFields()) {
                    obj.set(f.name(), toNode(rec.get(f.pos()), f.schema()));
                }
                return obj;
            }
            case UNION: {
                int branch = GenericData.get().resolveUnion(schema, value);
                return toNode(value, schema.getTypes().get(branch));
            }
            case ARRAY: {
                ArrayNode arr = NODES.arrayNode();
                for (Object o : (Iterable<?>) value) arr.add(toNode(o, schema.getElementType()));
                return arr;
            }
            case MAP: {
                ObjectNode obj = NODES.objectNode();
                ((Map<?, ?>) value).forEach((k, v) -> obj.set(k.toString(), toNode(v, schema.getValueType())));
                return obj;
            }
            case ENUM:
                return NODES.textNode(value instanceof GenericEnumSymbol ? value.toString() : ((Enum<?>) value).name());
            case BYTES: {
                ByteBuffer b = ((ByteBuffer) value).duplicate();
                byte[] raw = new byte[b.remaining()];
                b.get(raw);
                return NODES.textNode(Base64.getEncoder().encodeToString(raw));
            }
            case STRING: return NODES.textNode(value.toString());
            case INT: return NODES.numberNode(((Number) value).intValue());
            case LONG: return NODES.numberNode(value instanceof java.time.Instant ? ((java.time.Instant) value).toEpochMilli() : ((Number) value).longValue());
            case FLOAT: return NODES.numberNode(((Number) value).floatValue());
            case DOUBLE: return NODES.numberNode(((Number) value).doubleValue());
            case BOOLEAN: return NODES.booleanNode((Boolean) value);
            default: return NODES.textNode(value.toString());
        }
    }
}
