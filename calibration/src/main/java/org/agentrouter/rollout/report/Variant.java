package org.agentrouter.rollout.report;

import org.agentrouter.schema.RoutingMetric;

/** Who made a decision on routing-metrics: the champion, the live challenger, or the challenger in shadow mode. */
public enum Variant {
    CHAMPION, CHALLENGER, SHADOW;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** A routing-metrics record's variant: its shadow flag, else its role. */
    public static Variant of(RoutingMetric m) {
        if (m.getShadow()) return SHADOW;
        return "challenger".equals(m.getModelRole()) ? CHALLENGER : CHAMPION;
    }
}
