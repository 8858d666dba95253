package org.agentrouter.locomo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.agentrouter.memory.MemoryRecord;

/**
 * A LoCoMo conversation as one agent's memory: each turn becomes a memory of the namespace
 * {@code locomo-<conversation>} with id {@code <conversation>:<dia_id>}, text {@code "speaker: text"} (plus the
 * shared photo's caption), the session as {@code session_id}, and as time its session's date plus one minute per
 * turn (so that turns keep their order and spacing within the session). Questions are asked after the last session.
 */
public final class LocomoMemories {
    public static final String NAMESPACE_PREFIX = "locomo-";
    /** Turns of a session are this far apart (the data has only the session's start): about one turn a minute. */
    public static final long TURN_SPACING_MS = 60_000;

    private LocomoMemories() {}

    /** One conversation ready to import and to ask: its memories, and each question's vector. */
    public record Corpus(LocomoData.Conversation conversation, String namespace, List<MemoryRecord> memories,
                         float[][] questionVectors) {
        /** The memory id of a dialogue id. */
        public String memoryId(String diaId) {
            return LocomoMemories.memoryId(conversation.id(), diaId);
        }
    }

    /**
     * Every conversation as a corpus, embedded with MiniLM (cached under {@code cacheDir}). The embedding runs on its own
     * thread with a large stack: loading the tokenizer's native library on a launcher's main thread (1 MB stack by
     * default) crashed the JVM here without an error report when jdk.incubator.vector was added.
     */
    public static List<Corpus> corpora(List<LocomoData.Conversation> conversations, java.nio.file.Path cacheDir) throws IOException {
        List<Corpus> out = new ArrayList<>();
        Throwable[] failure = new Throwable[1];
        Thread t = new Thread(null, () -> {
            TextEmbeddings cache = new TextEmbeddings(cacheDir, new LazyEmbedder());
            try {
                for (LocomoData.Conversation c : conversations) out.add(corpus(c, cache));
            } catch (Throwable e) {
                failure[0] = e;
            } finally {
                ((LazyEmbedder) cache.embedder()).close();
            }
        }, "locomo-embedding", 64L << 20);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while embedding", e);
        }
        if (failure[0] instanceof IOException io) throw io;
        if (failure[0] != null) throw new IOException("embedding failed: " + failure[0].getMessage(), failure[0]);
        return out;
    }

    /** MiniLM, loaded on first use only: a cache that holds every vector never loads the model. */
    static final class LazyEmbedder implements java.util.function.Function<String, float[]>, AutoCloseable {
        private org.agentrouter.embedding.MiniLmEmbedder embedder;

        @Override
        public float[] apply(String text) {
            if (embedder == null) embedder = new org.agentrouter.embedding.MiniLmEmbedder();
            return embedder.embed(text);
        }

        @Override
        public void close() {
            if (embedder != null) embedder.close();
            embedder = null;
        }
    }

    public static String memoryId(String conversationId, String diaId) {
        return conversationId + ":" + diaId;
    }

    public static String namespace(String conversationId) {
        return NAMESPACE_PREFIX + conversationId;
    }

    public static Corpus corpus(LocomoData.Conversation c, TextEmbeddings embeddings) throws IOException {
        List<String> texts = new ArrayList<>();
        for (LocomoData.Turn t : c.turns()) texts.add(t.memoryText());
        float[][] vectors = embeddings.embed(c.id() + "-turns", texts);
        List<String> questions = new ArrayList<>();
        for (LocomoData.Question q : c.questions()) questions.add(q.text());
        float[][] questionVectors = embeddings.embed(c.id() + "-questions", questions);
        String ns = namespace(c.id());
        List<MemoryRecord> memories = new ArrayList<>();
        for (int i = 0; i < c.turns().size(); i++) {
            memories.add(record(c, c.turns().get(i), ns, texts.get(i), vectors[i]));
        }
        return new Corpus(c, ns, List.copyOf(memories), questionVectors);
    }

    static MemoryRecord record(LocomoData.Conversation c, LocomoData.Turn t, String ns, String text, float[] vector) {
        MemoryRecord r = new MemoryRecord();
        r.id = memoryId(c.id(), t.diaId());
        r.namespace = ns;
        r.kind = MemoryRecord.EPISODE;
        r.text = text;
        r.sessionId = c.id() + ":session_" + t.session();
        r.createdAtMs = t.sessionTimeMs() + t.position() * TURN_SPACING_MS;
        r.updatedAtMs = r.createdAtMs;
        r.sourceId = "locomo:" + c.id() + ":" + t.diaId();
        r.embedding = vector;
        return r;
    }
}
