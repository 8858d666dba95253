package org.agentrouter.memory;


/** What {@code MemoryStore.upsert} accepts; every message names the offending record. */
public final class MemoryRecordChecks {
    private MemoryRecordChecks() {}

    public static void requireValid(MemoryRecord r, int index) {
        if (r == null) {
            throw new IllegalArgumentException("record #" + index + " is null");
        }
        String who = "record #" + index + " (id " + r.id + ")";
        requireText(r.id, who, "id");
        requireText(r.namespace, who, "namespace");
        if (MemoryKinds.canonical(r.kind) == null) {
            throw new IllegalArgumentException(who + ": kind must be one of " + MemoryKinds.ALL + ", got '" + r.kind + "'");
        }
        if (r.text == null) {
            throw new IllegalArgumentException(who + ": text is null");
        }
        if (r.useCount < 0) {
            throw new IllegalArgumentException(who + ": useCount is negative (" + r.useCount + ")");
        }
        requireUnitOrNaN(r.successRate, who, "successRate");
        requireUnitOrNaN(r.confidence, who, "confidence");
        requireUnitOrNaN(r.cheapOutcome, who, "cheapOutcome");
        requireUnitOrNaN(r.strongOutcome, who, "strongOutcome");
        if (Float.isInfinite(r.reward)) {
            throw new IllegalArgumentException(who + ": reward is infinite");
        }
        if (r.tags != null) {
            for (String t : r.tags) {
                if (t == null) {
                    throw new IllegalArgumentException(who + ": tags contain null");
                }
            }
        }
        VectorChecks.requireValid(r.embedding, who + ": embedding");
    }

    private static void requireText(String value, String who, String field) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(who + ": " + field + " is missing");
        }
    }

    private static void requireUnitOrNaN(float v, String who, String field) {
        if (!Float.isNaN(v) && !(v >= 0f && v <= 1f)) {
            throw new IllegalArgumentException(who + ": " + field + " must be in [0, 1] or NaN (unknown), got " + v);
        }
    }
}
