package org.agentrouter.flink;

import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.query.QueryContext;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.tracing.StageAttributes;
import org.agentrouter.tracing.StageTracer;
import org.agentrouter.tracing.TracingSettings;
import io.opentelemetry.api.trace.Span;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Embeds the text of queries that arrive without a vector (all-MiniLM-L6-v2, one ONNX session per
 * task slot). Queries that carry a vector pass through untouched: agents that already embedded
 * their query pay nothing here.
 *
 * <p>It is the last stage that dead-letters a query with its original bytes: it drops them from the
 * query before passing it on, so they never cross a network edge.
 */
public class QueryEmbedder extends ProcessFunction<QueryContext, QueryContext> {
    private static final long serialVersionUID = 1L;
    public static final String STAGE = "embed";

    private final MiniLmEmbedder.Variant variant;
    private final TracingSettings tracing;
    private transient StageTracer tracer;
    private transient MiniLmEmbedder embedder;
    private transient Counter embedded;
    private transient Counter failures;

    public QueryEmbedder(MiniLmEmbedder.Variant variant) {
        this(variant, null);
    }

    public QueryEmbedder(MiniLmEmbedder.Variant variant, TracingSettings tracing) {
        this.variant = variant;
        this.tracing = tracing;
    }

    @Override
    public void open(OpenContext openContext) {
        embedder = new MiniLmEmbedder(variant);
        embedded = getRuntimeContext().getMetricGroup().addGroup("router").counter("queriesEmbedded");
        failures = getRuntimeContext().getMetricGroup().addGroup("router").counter("embeddingFailures");
        tracer = StageTracer.open(tracing, STAGE, getRuntimeContext().getTaskInfo().getIndexOfThisSubtask(), System.getenv());
    }

    @Override
    public void processElement(QueryContext q, Context ctx, Collector<QueryContext> out) {
        if (q.embedding == null && q.probe == null) {
            // Spanned only when it embeds: a query that brought its vector passes through in no time.
            Span span = q.traced && tracer != null ? tracer.startStage(STAGE, q.traceparent, q.tracestate) : null;
            try {
                q.embedding = embedder.embed(q.text);
                embedded.inc();
            } catch (RuntimeException e) {
                // The tokenizer and the model are local: a failure here is about this text, not transient.
                failures.inc();
                ctx.output(RouterOutputs.DEAD_LETTERS, DeadLetters.of(q.original, q.sourceTopic, q.sourcePartition,
                        q.sourceOffset, ErrorCategory.PROCESSING_ERROR, "embedding failed: " + e.getMessage(), q.queryId, STAGE)
                        .traced(q.traceparent, q.tracestate));
                if (span != null) StageTracer.fail(span, ErrorCategory.PROCESSING_ERROR.name(), "embedding failed: " + e.getMessage());
                return;
            } finally {
                if (span != null) {
                    span.setAttribute(StageAttributes.EMBEDDER, variant.name());
                    span.end();
                }
            }
        }
        // No stage after this one dead-letters a query, so its original bytes (the whole Avro record, vector
        // included, ~1.7 kB) would only be serialized and deserialized again at the keyBy to retrieval and at
        // the edge to scoring.
        q.original = null;
        out.collect(q);
    }

    @Override
    public void close() {
        if (embedder != null) {
            embedder.close();
        }
        if (tracer != null) tracer.close();
    }
}
