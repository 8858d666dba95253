package org.agentrouter.flink;

import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.routing.QueryContext;
import org.agentrouter.schema.ErrorCategory;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Embeds the text of queries that arrive without a vector (all-MiniLM-L6-v2, one ONNX session per
 * task slot). Queries that carry a vector pass through untouched: agents that already embedded
 * their query pay nothing here.
 */
public class QueryEmbedder extends ProcessFunction<QueryContext, QueryContext> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "embed";

    private final MiniLmEmbedder.Variant variant;
    private transient MiniLmEmbedder embedder;
    private transient Counter embedded;
    private transient Counter failures;

    public QueryEmbedder(MiniLmEmbedder.Variant variant) {
        this.variant = variant;
    }

    @Override
    public void open(OpenContext openContext) {
        embedder = new MiniLmEmbedder(variant);
        embedded = getRuntimeContext().getMetricGroup().addGroup("router").counter("queriesEmbedded");
        failures = getRuntimeContext().getMetricGroup().addGroup("router").counter("embeddingFailures");
    }

    @Override
    public void processElement(QueryContext q, Context ctx, Collector<QueryContext> out) {
        if (q.embedding == null && q.probe == null) {
            try {
                q.embedding = embedder.embed(q.text);
                embedded.inc();
            } catch (RuntimeException e) {
                // The tokenizer and the model are local: a failure here is about this text, not transient.
                failures.inc();
                ctx.output(RouterOutputs.DEAD_LETTERS, DeadLetters.of(q.original, q.sourceTopic, q.sourcePartition,
                        q.sourceOffset, ErrorCategory.PROCESSING_ERROR, "embedding failed: " + e.getMessage(), q.queryId, STAGE));
                return;
            }
        }
        out.collect(q);
    }

    @Override
    public void close() {
        if (embedder != null) {
            embedder.close();
        }
    }
}
