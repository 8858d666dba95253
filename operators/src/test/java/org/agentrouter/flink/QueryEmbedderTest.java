package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.ArrayList;
import java.util.List;
import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.query.QueryContext;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;

/** The embed stage with a query that already carries its vector: nothing to embed (so no model is loaded). */
class QueryEmbedderTest {
    @Test
    void passesAVectorOnAndDropsTheOriginalBytesNoLaterStageNeeds() {
        QueryContext q = new QueryContext();
        q.queryId = "q1";
        q.embedding = new float[] {0.6f, 0.8f};
        q.original = new byte[1700];
        q.sourceTopic = "agent-queries";
        q.sourceOffset = 42;
        List<QueryContext> out = new ArrayList<>();

        new QueryEmbedder(MiniLmEmbedder.Variant.FULL).processElement(q, null, collector(out));

        assertEquals(1, out.size());
        assertSame(q, out.get(0));
        assertArrayEquals(new float[] {0.6f, 0.8f}, q.embedding);
        assertNull(q.original, "the original bytes must not cross the network edges after embed");
        assertEquals("agent-queries", q.sourceTopic);
        assertEquals(42, q.sourceOffset);
    }

    private static Collector<QueryContext> collector(List<QueryContext> out) {
        return new Collector<>() {
            @Override
            public void collect(QueryContext record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }
}
