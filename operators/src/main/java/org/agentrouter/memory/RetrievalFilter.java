package org.agentrouter.memory;


/**
 * Restricts a top-k search. Each part is optional: null (or an empty string) means "no restriction".
 *
 * @param kind          only memories of this kind; applied inside the KNN scan
 * @param minConfidence only memories whose confidence is at least this (0..1); applied inside the KNN
 *                      scan. Memories of unknown confidence never pass it.
 * @param tag           only memories carrying this tag; applied after the scan (see {@code MemoryStore.topK})
 */
public record RetrievalFilter(String kind, Float minConfidence, String tag) {
    public static final RetrievalFilter NONE = new RetrievalFilter(null, null, null);

    public RetrievalFilter {
        if (kind != null && !kind.isEmpty() && MemoryKinds.canonical(kind) == null) {
            throw new IllegalArgumentException("kind must be one of " + MemoryKinds.ALL + ", got '" + kind + "'");
        }
        if (minConfidence != null && !(minConfidence >= 0f && minConfidence <= 1f)) {
            throw new IllegalArgumentException("minConfidence must be in [0, 1], got " + minConfidence);
        }
    }

    public static RetrievalFilter ofKind(String kind) {
        return new RetrievalFilter(kind, null, null);
    }

    public RetrievalFilter withKind(String k) {
        return new RetrievalFilter(k, minConfidence, tag);
    }

    public RetrievalFilter withMinConfidence(Float c) {
        return new RetrievalFilter(kind, c, tag);
    }

    public RetrievalFilter withTag(String t) {
        return new RetrievalFilter(kind, minConfidence, t);
    }

    public boolean hasKind() {
        return kind != null && !kind.isEmpty();
    }

    public boolean hasMinConfidence() {
        return minConfidence != null;
    }

    public boolean hasTag() {
        return tag != null && !tag.isEmpty();
    }
}
