package org.agentrouter.query;

/**
 * One model's score of a query, and the release it came from: the served score decides the query, a shadow
 * challenger's score ({@link QueryContext#shadow}) only records what it would have decided. Routing applies the
 * calibration carried here, so a query is decided with the calibration of the release that scored it. A Flink
 * POJO; unset doubles are NaN.
 */
public class Score {
    /** Version and role of the release that scored; null when nothing scored. */
    public String modelVersion;
    public String modelRole;
    public double pStrong = Double.NaN;
    /** Relevance of each candidate, [MAX_CANDIDATES]; null when scoring failed (and for a shadow score). */
    public float[] relevance;
    /** Conformal calibration of the release: one strong and one cheap threshold per alpha. */
    public double[] calibrationAlphas;
    public double[] strongThresholds;
    public double[] cheapThresholds;
    /** Set when there is no score (no model, circuit open, runtime failure): the router falls back. */
    public String failure;
    /** One of {@code FallbackCause}: a metric label, where failure is free text. */
    public String failureCause;
    /** The scoring call itself failed (not: no model, circuit open). */
    public boolean failed;
    /** Time of the scoring call (microseconds), -1 when there was none (no model, circuit open). */
    public long micros = -1;

    public Score() {}
}
