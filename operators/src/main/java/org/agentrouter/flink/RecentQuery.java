package org.agentrouter.flink;

/**
 * A query the retrieval operator served, kept in keyed state (by namespace, under its query id) for a
 * while so that its feedback can turn it into an episode memory: the feedback carries neither the text
 * nor the vector. A Flink POJO.
 *
 * <p>Stays in this package under this name, fields as they are: a POJO serializer snapshot in every savepoint
 * names the class and its fields. The ledger sees it as a {@code MemoryLedger.PendingQuery}.
 */
public class RecentQuery {
    /**
     * The query's vector in {@code PendingVectors}' form: float16 after a tag byte, or float32 little-endian in state
     * written before (a byte[] restores in one read, a float[] float by float).
     */
    public byte[] vector;
    public String text;
    public String sessionId;
    public String[] tags;
    /** Processing time when it was retrieved: the entry expires {@code RouterConfig.recentQueryTtlMs} later. */
    public long seenAtMs;

    public RecentQuery() {}
}
