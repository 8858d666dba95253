package org.agentrouter.fuzz;

import org.agentrouter.intake.InputLimits;

/** What a fuzz run sends, and the job's limits its oracle applies (the job's defaults unless told otherwise). */
public final class FuzzSettings {
    /** Records across agent-queries (half), routing-feedback and agent-memories (a quarter each). */
    public int records = 100_000;
    /** Clean queries interleaved with them, each of which must be decided. */
    public int validQueries = 1_000;
    /** Share of records whose bytes are damaged; the rest are well-formed, some with fields at their edges. */
    public double damageShare = 0.8;
    /** Chance that a field of a generated record is at its edge. */
    public double edgeChance = 0.1;
    /** Fresh namespaces the run uses (a unique prefix per run, so probes see only the run's memories). */
    public int namespaces = 8;
    public long seed = 1;
    /** Memories probed afterwards: accepted ones must be retrievable, refused ones never. */
    public int memoryProbes = 300;
    /** The job's --k, the largest context_k it accepts: its default follows the job's. */
    public int maxContextK = new org.agentrouter.flink.RouterConfig().retrievalK;
    public InputLimits limits = new InputLimits();
}
