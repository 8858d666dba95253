package org.agentrouter.query;

/**
 * A health probe on its way through the pipeline next to the queries (see RouterJob for why it travels
 * that way). Each stage writes what it knows; the routing stage turns it into a RouterHealth record.
 * A Flink POJO.
 */
public class HealthProbe {
    /** When the tick that made this probe fired (the lag to the routing stage shows backpressure). */
    public long tickMs;
    public int decodeSubtask;
    /** The retrieve/score/route subtask this probe was keyed to. */
    public int targetSubtask;

    // ---- retrieval stage ----
    public boolean storeReachable;
    public String storeProblem;
    public String retrievalBreaker = "UNKNOWN";

    // ---- scoring stage ----
    public boolean modelLoaded;
    public String modelVersion = "none";
    public String scorerBreaker = "UNKNOWN";

    public HealthProbe() {}

    public HealthProbe(long tickMs) {
        this.tickMs = tickMs;
    }

    public HealthProbe copyFor(int decodeSubtask, int targetSubtask) {
        HealthProbe p = new HealthProbe(tickMs);
        p.decodeSubtask = decodeSubtask;
        p.targetSubtask = targetSubtask;
        return p;
    }
}
