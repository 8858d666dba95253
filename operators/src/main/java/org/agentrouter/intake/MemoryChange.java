package org.agentrouter.intake;

import org.agentrouter.memory.MemoryRecord;

/** One record of agent-memories, read and checked: a new version of a memory, or its delete ({@code memory} null). */
public record MemoryChange(String namespace, String memoryId, long eventTimeMs, MemoryRecord memory) {
    public boolean isDelete() {
        return memory == null;
    }
}
