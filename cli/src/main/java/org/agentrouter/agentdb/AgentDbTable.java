package org.agentrouter.agentdb;

import java.util.List;
import org.agentrouter.memory.MemoryRecord;

/** The AgentDB 1.6.1 tables the import reads, each with its embedding table and the columns it needs. */
enum AgentDbTable {
    EPISODES("episodes", "episode_embeddings", "episode_id", MemoryRecord.EPISODE, true,
            List.of("id", "ts", "session_id", "task", "input", "output", "critique", "reward", "success", "tags", "metadata")),
    SKILLS("skills", "skill_embeddings", "skill_id", MemoryRecord.SKILL, true,
            List.of("id", "name", "description", "success_rate", "uses", "avg_reward", "created_at", "last_used_at", "metadata")),
    /** Created by ReasoningBank on first use, not by `agentdb init`: a file without both tables has no patterns. */
    PATTERNS("reasoning_patterns", "pattern_embeddings", "pattern_id", MemoryRecord.PATTERN, false,
            List.of("id", "ts", "task_type", "approach", "success_rate", "uses", "avg_reward", "tags", "metadata"));

    final String table;
    final String embeddingTable;
    final String embeddingKey;
    final String kind;
    final boolean required;
    final List<String> columns;

    AgentDbTable(String table, String embeddingTable, String embeddingKey, String kind, boolean required,
                 List<String> columns) {
        this.table = table;
        this.embeddingTable = embeddingTable;
        this.embeddingKey = embeddingKey;
        this.kind = kind;
        this.required = required;
        this.columns = columns;
    }
}
