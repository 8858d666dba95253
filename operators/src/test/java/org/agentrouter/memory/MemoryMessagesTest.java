package org.agentrouter.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.agentrouter.features.FeatureLayout;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.wire.AvroWire;
import org.junit.jupiter.api.Test;

class MemoryMessagesTest {

    private static MemoryRecord record() {
        MemoryRecord r = new MemoryRecord();
        r.id = "m-1";
        r.namespace = "agent-7";
        r.kind = MemoryRecord.SKILL;
        r.text = "sort a list";
        r.sessionId = "s-3";
        r.createdAtMs = 1_700_000_000_000L;
        r.lastUsedAtMs = 1_700_000_500_000L;
        r.useCount = 4;
        r.successRate = 0.75f;
        r.confidence = 0.9f;
        r.cheapOutcome = 1f;
        r.tags = new String[] {"code", "python"};
        r.sourceId = "agentdb#skills#12";
        r.embedding = new float[FeatureLayout.EMBEDDING_DIM];
        for (int i = 0; i < r.embedding.length; i++) {
            r.embedding[i] = (float) Math.sin(i + 1);
        }
        return r;
    }

    @Test
    void roundTripsThroughTheWireKeepingUnknownsUnknown() throws Exception {
        MemoryRecord in = record();
        byte[] bytes = AvroWire.MEMORY.encode(MemoryMessages.toMessage(in, 42L));
        AgentMemory m = AvroWire.MEMORY.decode(bytes);
        assertNull(m.getReward(), "NaN reward travels as null");
        assertEquals(42L, m.getEventTimeMs());

        MemoryRecord out = MemoryMessages.fromMessage(m);
        assertEquals(in.id, out.id);
        assertEquals(in.namespace, out.namespace);
        assertEquals(in.kind, out.kind);
        assertEquals(in.sessionId, out.sessionId);
        assertEquals(in.useCount, out.useCount);
        assertEquals(in.successRate, out.successRate);
        assertTrue(Float.isNaN(out.reward));
        assertTrue(Float.isNaN(out.strongOutcome));
        assertArrayEquals(in.tags, out.tags);
        assertArrayEquals(in.embedding, out.embedding);
    }

    @Test
    void refusesAVectorOfTheWrongSizeNamingTheMemory() {
        AgentMemory m = MemoryMessages.toMessage(record(), 1L);
        m.setEmbedding(ByteBuffer.wrap(new byte[10 * Float.BYTES]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MemoryMessages.fromMessage(m));
        assertTrue(e.getMessage().contains("m-1"), e.getMessage());
    }

    @Test
    void refusesNaNInTheVector() {
        MemoryRecord r = record();
        r.embedding = Arrays.copyOf(r.embedding, r.embedding.length);
        r.embedding[5] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> MemoryMessages.toMessage(r, 1L));
    }
}
