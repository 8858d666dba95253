package org.agentrouter.memory.lexical;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.SortedDocValuesField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.SerialMergeScheduler;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SortedDocValues;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * The lexical side of retrieval: one small in-memory Apache Lucene index per namespace, scored by Okapi BM25
 * (Lucene's {@link BM25Similarity}, k1 1.2, b 0.75) over the memory texts, analysed by Lucene's
 * {@link EnglishAnalyzer} (lower case, English stop words, possessives, Porter stems). Dense retrieval misses
 * memories that share a rare word with the query (a name, a place, a title) but not its meaning as a whole;
 * BM25 finds those (BENCHMARKS.md, "Which memories matter").
 *
 * <p>Like the dense index ({@code LiveMemoryIndex}) it is a copy of keyed state, never the source of truth: a namespace is
 * loaded from state on its first event after a start, restore or rescale, then kept in step with every change.
 * Each namespace has its own index so that BM25's statistics (document frequencies, average length) are the
 * namespace's own: the same memories give the same scores whatever other namespaces share the subtask.
 *
 * <p>Writes go to the namespace's {@link IndexWriter}; the searcher is reopened (near-real-time, from the
 * writer) at the first search after a change, so a run of upserts costs one reopen. Merges run on the
 * calling thread ({@link SerialMergeScheduler}): no thread is started. One per task slot, not thread-safe.
 */
public final class LexicalIndex implements AutoCloseable {
    static final String ID = "id";
    static final String TEXT = "text";
    /** Distinct query terms used at most (BooleanQuery refuses more than 1024 clauses; a query is rarely near 64). */
    public static final int MAX_QUERY_TERMS = 64;
    /**
     * Characters of a memory's or a query's text that are analysed: the rest of a longer text is left out of BM25, so
     * that one record of the largest size the intake admits (64k characters) costs a bounded share of a task's time.
     */
    public static final int MAX_TEXT_CHARS = 4_096;
    /** Hits fetched past the requested count, to order ties at the cut by id. */
    static final int TIE_MARGIN = 32;

    private final Analyzer analyzer;
    private final BM25Similarity similarity = new BM25Similarity();
    private final Map<String, Space> spaces = new HashMap<>();
    private long total;

    /** How long a namespace's searcher may lag behind its writes, by default (as Elasticsearch's refresh interval). */
    public static final long DEFAULT_REFRESH_MS = 1_000;

    private final long refreshMs;
    private final java.util.function.LongSupplier clockMs;

    /** Searches see every write at once (offline tools, which write everything before they search). */
    public LexicalIndex() {
        this(new EnglishAnalyzer(), 0, () -> 0L);
    }

    /** With another analyser (studies compare them); the job uses {@link EnglishAnalyzer}. */
    public LexicalIndex(Analyzer analyzer) {
        this(analyzer, 0, () -> 0L);
    }

    /**
     * @param refreshMs a search reopens a namespace's searcher after writes only when its last reopen is at least this
     *                  old (0: at every search after a write). A reopen flushes the writes as a new segment (about a
     *                  millisecond); where an agent writes between most of its queries this bounds that cost to one per
     *                  interval, and a new memory is found by its words within the interval (by its vector at once).
     * @param clockMs   monotonic milliseconds
     */
    public LexicalIndex(Analyzer analyzer, long refreshMs, java.util.function.LongSupplier clockMs) {
        this.analyzer = analyzer;
        this.refreshMs = refreshMs;
        this.clockMs = clockMs;
    }

    /** The job's: EnglishAnalyzer, searchers reopened at most every {@code refreshMs} after writes. */
    public static LexicalIndex forJob(long refreshMs) {
        return new LexicalIndex(new EnglishAnalyzer(), refreshMs, () -> System.nanoTime() / 1_000_000);
    }

    /** Ids and BM25 scores of one search, best first; refilled by every search. */
    public static final class Hits {
        private int size;
        public final String[] ids;
        public final float[] scores;

        public Hits(int capacity) {
            ids = new String[capacity];
            scores = new float[capacity];
        }

        public int size() {
            return size;
        }

        public int capacity() {
            return ids.length;
        }

        public void clear() {
            size = 0;
        }

        void add(String id, float score) {
            ids[size] = id;
            scores[size] = score;
            size++;
        }
    }

    /** One namespace: its directory, writer, and the reader of its last refresh. */
    private final class Space {
        final ByteBuffersDirectory directory = new ByteBuffersDirectory();
        final IndexWriter writer;
        DirectoryReader reader;
        IndexSearcher searcher;
        boolean changed;
        long openedAtMs;
        int size;
        /** Per segment (by its core key), the memory id of each document: read once per segment, not per hit. */
        final Map<Object, String[]> segmentIds = new HashMap<>();

        Space() {
            try {
                IndexWriterConfig config = new IndexWriterConfig(analyzer)
                        .setSimilarity(similarity)
                        .setMergeScheduler(new SerialMergeScheduler())
                        // No compound files: each refresh after a write flushes a small segment, cheaper without one.
                        .setUseCompoundFile(false)
                        .setCommitOnClose(false)
                        .setRAMBufferSizeMB(4);
                writer = new IndexWriter(directory, config);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open an in-memory Lucene index", e);
            }
        }

        IndexSearcher searcher() throws IOException {
            if (reader == null) {
                reader = DirectoryReader.open(writer);
                changed = false;
            } else if (changed && clockMs.getAsLong() - openedAtMs >= refreshMs) {
                DirectoryReader next = DirectoryReader.openIfChanged(reader, writer);
                if (next != null) {
                    reader.close();
                    reader = next;
                }
                changed = false;
            } else {
                return searcher;
            }
            openedAtMs = clockMs.getAsLong();
            searcher = new IndexSearcher(reader);
            searcher.setSimilarity(similarity);
            // Ids of the segments this reader holds; segments merged away are forgotten.
            Map<Object, String[]> kept = new HashMap<>();
            for (LeafReaderContext leaf : reader.leaves()) {
                Object key = leaf.reader().getCoreCacheHelper().getKey();
                String[] ids = segmentIds.get(key);
                kept.put(key, ids != null ? ids : readIds(leaf));
            }
            segmentIds.clear();
            segmentIds.putAll(kept);
            // The default query cache would keep filters of past queries per namespace; every query here is new.
            searcher.setQueryCache(null);
            return searcher;
        }

        String[] readIds(LeafReaderContext leaf) throws IOException {
            String[] ids = new String[leaf.reader().maxDoc()];
            SortedDocValues values = leaf.reader().getSortedDocValues(ID);
            if (values != null) {
                for (int doc = values.nextDoc(); doc != org.apache.lucene.search.DocIdSetIterator.NO_MORE_DOCS; doc = values.nextDoc()) {
                    ids[doc] = values.lookupOrd(values.ordValue()).utf8ToString();
                }
            }
            return ids;
        }

        String id(int doc) {
            java.util.List<LeafReaderContext> leaves = reader.leaves();
            LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(doc, leaves));
            return segmentIds.get(leaf.reader().getCoreCacheHelper().getKey())[doc - leaf.docBase];
        }

        void close() throws IOException {
            if (reader != null) reader.close();
            writer.rollback(); // nothing to keep: state is the source of truth
            directory.close();
        }
    }

    /** True once {@code namespace} was loaded (it may hold no memories any more). */
    public boolean has(String namespace) {
        return spaces.containsKey(namespace);
    }

    /** Marks a namespace as loaded even when it has no memories yet. */
    public void open(String namespace) {
        spaces.computeIfAbsent(namespace, n -> new Space());
    }

    /** Forgets a namespace (its key group moved away, or it is rebuilt). */
    public void drop(String namespace) {
        Space s = spaces.remove(namespace);
        if (s != null) {
            total -= s.size;
            try {
                s.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public long size() {
        return total;
    }

    public int size(String namespace) {
        Space s = spaces.get(namespace);
        return s == null ? 0 : s.size;
    }

    /**
     * Adds or replaces the memory's text under its id.
     *
     * @param isNew whether the id is new to the namespace (the caller knows it from state; Lucene cannot tell
     *              without a search)
     */
    public void upsert(String namespace, String id, String text, boolean isNew) {
        Space s = spaces.computeIfAbsent(namespace, n -> new Space());
        Document doc = new Document();
        doc.add(new StringField(ID, id, Field.Store.NO));
        // The id as a doc value: reading it back per hit is a lookup, where stored fields decompress a block per hit.
        doc.add(new SortedDocValuesField(ID, new BytesRef(id)));
        doc.add(new TextField(TEXT, text == null ? "" : head(text), Field.Store.NO));
        try {
            s.writer.updateDocument(new Term(ID, id), doc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot index memory " + id, e);
        }
        s.changed = true;
        if (isNew) {
            s.size++;
            total++;
        }
    }

    /** Removes the memory; {@code wasIndexed} says whether it was there (the caller knows it from state). */
    public void delete(String namespace, String id, boolean wasIndexed) {
        Space s = spaces.get(namespace);
        if (s == null) return;
        try {
            s.writer.deleteDocuments(new Term(ID, id));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete memory " + id, e);
        }
        s.changed = true;
        if (wasIndexed) {
            s.size--;
            total--;
        }
    }

    /**
     * The namespace's top {@code n} memories by BM25 against {@code text} (n at most {@code out.capacity()}), best
     * first; memories sharing no term with the text are not returned. Equal scores are ordered by memory id, not by
     * Lucene's document order (which depends on how segments were flushed and merged): the same memories give the same
     * hits whether the index was kept in step or rebuilt from state.
     *
     * @return how many were found
     */
    public int search(String namespace, String text, int n, Hits out) {
        out.clear();
        Space s = spaces.get(namespace);
        if (s == null || s.size == 0 || text == null || text.isBlank()) return 0;
        int want = Math.min(n, out.capacity());
        try {
            BooleanQuery query = query(text);
            if (query == null) return 0;
            // A margin past n, so that ties at the cut are decided by id too (not by document order).
            TopDocs top = s.searcher().search(query, want + TIE_MARGIN);
            ScoreDoc[] docs = top.scoreDocs;
            String[] ids = new String[docs.length];
            Integer[] order = new Integer[docs.length];
            for (int i = 0; i < docs.length; i++) {
                ids[i] = s.id(docs[i].doc);
                if (ids[i] == null) throw new IllegalStateException("memory without an id in the lexical index of " + namespace);
                order[i] = i;
            }
            java.util.Arrays.sort(order, (a, b) -> {
                int c = Float.compare(docs[b].score, docs[a].score);
                return c != 0 ? c : ids[a].compareTo(ids[b]);
            });
            for (int i = 0; i < Math.min(want, docs.length); i++) out.add(ids[order[i]], docs[order[i]].score);
            return out.size();
        } catch (IOException e) {
            throw new UncheckedIOException("lexical search failed in namespace " + namespace, e);
        }
    }

    private static String head(String text) {
        return text.length() <= MAX_TEXT_CHARS ? text : text.substring(0, MAX_TEXT_CHARS);
    }

    /** The analysed terms of a text's first {@link #MAX_TEXT_CHARS} characters, in order, repeats kept. */
    public List<String> terms(String text) {
        List<String> terms = new ArrayList<>();
        try (TokenStream ts = analyzer.tokenStream(TEXT, head(text))) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            ts.reset();
            while (ts.incrementToken()) terms.add(term.toString());
            ts.end();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return terms;
    }

    /** One SHOULD clause per distinct term, weighted by how often the query repeats it. */
    private BooleanQuery query(String text) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String t : terms(text)) {
            if (counts.size() >= MAX_QUERY_TERMS && !counts.containsKey(t)) continue;
            counts.merge(t, 1, Integer::sum);
        }
        if (counts.isEmpty()) return null;
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        for (Map.Entry<String, Integer> e : counts.entrySet()) {
            org.apache.lucene.search.Query q = new TermQuery(new Term(TEXT, e.getKey()));
            if (e.getValue() > 1) q = new org.apache.lucene.search.BoostQuery(q, e.getValue());
            b.add(q, BooleanClause.Occur.SHOULD);
        }
        return b.build();
    }

    @Override
    public void close() {
        for (Space s : spaces.values()) {
            try {
                s.close();
            } catch (IOException e) {
                // closing in-memory structures; nothing is lost
            }
        }
        spaces.clear();
        total = 0;
    }
}
