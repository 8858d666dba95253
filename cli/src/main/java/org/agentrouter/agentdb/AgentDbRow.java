package org.agentrouter.agentdb;

import java.util.Map;

/**
 * One row of an AgentDB table as stored, with its embedding blob (null when the row has none).
 * Column values are what SQLite returned (Long, Double, String, byte[] or null).
 */
record AgentDbRow(AgentDbTable table, long id, Map<String, Object> columns, byte[] embedding) {
    /** "episodes id 7": how messages name the row. */
    String where() {
        return table.table + " id " + id;
    }
}
