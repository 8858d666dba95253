package org.agentrouter.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.agentrouter.embedding.MiniLmEmbedder;
import org.agentrouter.memory.MemoryRecord;
import org.agentrouter.memory.store.MemoryStore;
import org.agentrouter.schema.AgentQuery;

/**
 * Demo content generated from templates (no data set needed): three agents' namespaces of past
 * questions with how a cheap and a strong LLM fared on them, and a stream of new questions of the
 * same kinds. Hard kinds (proofs, concurrency bugs, multi-step finance) were answered well mostly
 * by the strong model; easy kinds by both, so the router has something real to learn from memory.
 */
public final class DemoData {
    private DemoData() {}

    record Kind(String namespace, String name, boolean hard, String[] templates, String[] fillers) {}

    static final List<Kind> KINDS = List.of(
            new Kind("support-bot", "faq", false,
                    new String[] {"How do I reset my %s password?", "Where can I download my %s invoice?",
                        "How do I change the email on my %s account?", "Can I cancel my %s subscription online?"},
                    new String[] {"cloud", "mobile", "billing", "team", "enterprise", "starter"}),
            new Kind("support-bot", "escalation", true,
                    new String[] {"Our %s integration drops webhooks under load since the last upgrade; logs attached, what is the root cause?",
                        "Explain why the %s export produces inconsistent totals across time zones and how to reconcile them."},
                    new String[] {"Salesforce", "Stripe", "SAP", "Shopify", "Zendesk"}),
            new Kind("code-assistant", "snippet", false,
                    new String[] {"How do I reverse a %s in Python?", "What is the syntax for a %s in JavaScript?",
                        "Convert a %s to a string in Java."},
                    new String[] {"list", "string", "map", "set", "tuple", "array"}),
            new Kind("code-assistant", "concurrency", true,
                    new String[] {"Find the race condition in this %s code: two threads update a shared counter inside a callback and sometimes lose increments.",
                        "Prove that this lock-free %s queue is linearizable or give a counterexample interleaving."},
                    new String[] {"Java", "Rust", "Go", "C++"}),
            new Kind("research-agent", "lookup", false,
                    new String[] {"What is the capital of %s?", "Summarize in one sentence what %s is known for."},
                    new String[] {"France", "Kenya", "Peru", "Japan", "Norway", "Chile", "Egypt"}),
            new Kind("research-agent", "analysis", true,
                    new String[] {"Derive the closed-form solution of the %s model and state the assumptions under which it fails.",
                        "Compare three estimators of %s under heteroskedasticity and prove which one is unbiased."},
                    new String[] {"Black-Scholes", "Lotka-Volterra", "logistic growth", "AR(1)", "SIR epidemic"}));

    public static final List<String> NAMESPACES = List.of("support-bot", "code-assistant", "research-agent");

    /** Writes the demo memory store (about 360 memories) unless it exists. */
    public static void ensureStore(Path db) throws Exception {
        if (Files.exists(db)) return;
        Files.createDirectories(db.toAbsolutePath().getParent());
        Random rnd = new Random(42);
        long now = System.currentTimeMillis();
        List<MemoryRecord> records = new ArrayList<>();
        try (MiniLmEmbedder embedder = new MiniLmEmbedder()) {
            for (int i = 0; i < 360; i++) {
                Kind kind = KINDS.get(i % KINDS.size());
                String text = text(kind, rnd);
                MemoryRecord m = new MemoryRecord();
                m.id = "demo-" + i;
                m.namespace = kind.namespace();
                m.kind = "episode";
                m.text = text;
                m.sessionId = "s" + rnd.nextInt(20);
                m.createdAtMs = now - (long) (rnd.nextDouble() * 60 * 86_400_000L);
                m.lastUsedAtMs = rnd.nextBoolean() ? now - (long) (rnd.nextDouble() * 10 * 86_400_000L) : 0L;
                m.useCount = rnd.nextInt(50);
                m.confidence = 0.5f + 0.5f * rnd.nextFloat();
                // Cheap model: fine on easy kinds, mostly wrong on hard ones; strong model: mostly right.
                m.cheapOutcome = rnd.nextDouble() < (kind.hard() ? 0.25 : 0.92) ? 1f : 0f;
                m.strongOutcome = rnd.nextDouble() < (kind.hard() ? 0.85 : 0.97) ? 1f : 0f;
                m.successRate = Math.max(m.cheapOutcome, m.strongOutcome);
                m.reward = Float.NaN;
                m.tags = new String[] {kind.name()};
                m.sourceId = "demo";
                m.embedding = embedder.embed(text);
                records.add(m);
            }
        }
        try (MemoryStore store = MemoryStore.openWritable(db)) {
            store.upsert(records);
        }
    }

    /** A new question in one of the demo namespaces, text only: the job embeds it. */
    public static AgentQuery query(Random rnd) {
        Kind kind = KINDS.get(rnd.nextInt(KINDS.size()));
        return AgentQuery.newBuilder()
                .setQueryId(UUID.randomUUID().toString())
                .setNamespace(kind.namespace())
                .setUserId("user-" + rnd.nextInt(100))
                .setText(text(kind, rnd))
                .setEventTimeMs(System.currentTimeMillis())
                .setContextK(5)
                .build();
    }

    private static String text(Kind kind, Random rnd) {
        String t = kind.templates()[rnd.nextInt(kind.templates().length)];
        return String.format(t, kind.fillers()[rnd.nextInt(kind.fillers().length)]);
    }
}
