package org.agentrouter.calibration;

/**
 * The label of a query for routing: the cheapest route that answers it well. With two routes it is
 * "strong" only when the strong model answers well and the cheap one does not; when neither does,
 * paying for the strong model buys nothing, so the cheap route is the label. A violation is a query
 * sent cheap whose label is strong.
 */
public final class RoutingLabels {
    private RoutingLabels() {}

    public static final int CHEAP = 0;
    public static final int STRONG = 1;

    /** @param goodAt an outcome at or above this answered well (0.5 for True/False columns) */
    public static int label(double weakOutcome, double strongOutcome, double goodAt) {
        return strongOutcome >= goodAt && weakOutcome < goodAt ? STRONG : CHEAP;
    }
}
