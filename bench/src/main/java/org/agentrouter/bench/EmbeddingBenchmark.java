package org.agentrouter.bench;

import java.util.ArrayList;
import java.util.List;
import org.agentrouter.embedding.MiniLmEmbedder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * MiniLM for a query that arrives without a vector: the full and the quantized model, one text per ONNX
 * call (what the embed operator does) and 8 texts per call, reported per text. Texts are agent-style
 * questions of 9 to 31 words, cycled so the tokenizer never sees the same text twice in a row.
 */
@State(Scope.Thread)
public class EmbeddingBenchmark {
    private static final int BATCH = 8;
    private static final String[] TEXTS = {
            "How do I rotate the signing keys of the payments service without downtime?",
            "Summarise the incident report from last night and list the follow-up actions with their owners.",
            "Which of these three SQL queries will use the index on created_at, and why?",
            "Write a haiku about garbage collection.",
            "Explain the difference between at-least-once and exactly-once delivery in Kafka to a new engineer joining the team.",
            "What is the capital of Kenya?",
            "Given the stack trace below, which dependency upgrade most likely broke the build, and how do I pin it back?",
            "Translate 'the meeting moved to Thursday' into German and French.",
            "Prove that the sum of two even integers is even.",
            "Draft a polite reply declining the vendor's renewal offer, mentioning our budget freeze until March."};

    @Param({"full", "quantized"})
    public String variant;

    private MiniLmEmbedder embedder;
    private final List<String> batch = new ArrayList<>(BATCH);
    private int next;

    @Setup
    public void setUp() {
        embedder = new MiniLmEmbedder(MiniLmEmbedder.Variant.parse(variant));
    }

    @Benchmark
    public float[] oneTextPerCall() {
        return embedder.embed(TEXTS[next++ % TEXTS.length]);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void eightTextsPerCall(Blackhole bh) {
        batch.clear();
        for (int i = 0; i < BATCH; i++) batch.add(TEXTS[next++ % TEXTS.length]);
        bh.consume(embedder.embedBatch(batch));
    }

    @TearDown
    public void tearDown() {
        embedder.close();
    }
}
