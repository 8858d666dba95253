package org.agentrouter.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.RoutingFeedback;

/**
 * Well-formed records for fuzzing, from a seeded {@link Random}: mostly what a real agent sends, and now and then a
 * field at its edge (empty or very long strings, NaN and infinite numbers, negative counts, alpha outside (0, 1),
 * vectors of the wrong size or with NaN). {@link ByteMutator} then damages their bytes. Used by the property tests
 * and by {@code ./router fuzz}.
 */
public final class FuzzCorpus {
    public static final int DIM = 384;
    private static final float[] EDGE_FLOATS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
            Float.MIN_VALUE, Float.MAX_VALUE, -1f, 2f};
    private static final double[] EDGE_DOUBLES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1, 0, 1,
            7.5, 1e-300, -0.0};
    private static final int[] EDGE_INTS = {Integer.MIN_VALUE, -1, 0, 1, 128, 129, Integer.MAX_VALUE};
    private static final long[] EDGE_LONGS = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE};

    private final Random rnd;
    /** Chance that any one field takes an edge value. */
    private final double edgeChance;

    public FuzzCorpus(Random rnd, double edgeChance) {
        this.rnd = rnd;
        this.edgeChance = edgeChance;
    }

    private boolean edge() {
        return rnd.nextDouble() < edgeChance;
    }

    public String text(String usual) {
        if (!edge()) return usual;
        return switch (rnd.nextInt(5)) {
            case 0 -> "";
            case 1 -> " ";
            case 2 -> "x".repeat(70_000 + rnd.nextInt(1000)); // over the default text limit
            case 3 -> "\u0000\uFFFF\u00e9\u4e2d\ud83d\ude00";
            default -> "y".repeat(600); // over the default id limit
        };
    }

    private int anInt(int usual) {
        return edge() ? EDGE_INTS[rnd.nextInt(EDGE_INTS.length)] : usual;
    }

    private long aLong(long usual) {
        return edge() ? EDGE_LONGS[rnd.nextInt(EDGE_LONGS.length)] : usual;
    }

    private Double aDouble(Double usual) {
        if (!edge()) return usual;
        return rnd.nextInt(4) == 0 ? null : EDGE_DOUBLES[rnd.nextInt(EDGE_DOUBLES.length)];
    }

    private Float aFloat(Float usual) {
        if (!edge()) return usual;
        return rnd.nextInt(4) == 0 ? null : EDGE_FLOATS[rnd.nextInt(EDGE_FLOATS.length)];
    }

    /** A unit vector of {@code size}, or (at an edge) one of the wrong size, with a NaN, or all zeros. */
    public float[] vector() {
        int size = edge() ? (rnd.nextBoolean() ? rnd.nextInt(DIM * 2) : DIM) : DIM;
        float[] v = new float[size];
        double n = 0;
        for (int i = 0; i < size; i++) {
            v[i] = (float) rnd.nextGaussian();
            n += v[i] * v[i];
        }
        for (int i = 0; i < size; i++) v[i] /= (float) Math.sqrt(n);
        if (size > 0 && edge()) {
            if (rnd.nextBoolean()) v[rnd.nextInt(size)] = EDGE_FLOATS[rnd.nextInt(3)];
            else java.util.Arrays.fill(v, 0f);
        }
        return v;
    }

    /** An id-like string, or (at an edge) an empty, odd or over-long one; never the huge texts of {@link #text}. */
    private String shortText(String usual) {
        if (!edge()) return usual;
        return switch (rnd.nextInt(4)) {
            case 0 -> "";
            case 1 -> "\u0000\uFFFF\u00e9";
            case 2 -> "y".repeat(600);
            default -> usual + usual;
        };
    }

    private List<String> strings(int usualSize, String prefix) {
        int n = edge() ? (rnd.nextBoolean() ? 0 : 60 + rnd.nextInt(1200)) : usualSize;
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(shortText(prefix + i));
        return out;
    }

    public AgentQuery query(String id, String namespace) {
        List<Float> embedding = null;
        if (!edge() || rnd.nextBoolean()) {
            float[] v = vector();
            embedding = new ArrayList<>(v.length);
            for (float x : v) embedding.add(x);
        }
        return AgentQuery.newBuilder()
                .setQueryId(text(id)).setNamespace(text(namespace)).setUserId(text("user-" + rnd.nextInt(50)))
                .setSessionId(rnd.nextBoolean() ? null : text("session-" + rnd.nextInt(10)))
                .setText(text("How do I rotate the keys of service " + rnd.nextInt(100) + "?"))
                .setEmbedding(embedding).setEventTimeMs(aLong(System.currentTimeMillis()))
                .setAlpha(aDouble(rnd.nextBoolean() ? null : 0.1)).setMaxCostUsd(aDouble(null))
                .setContextK(anInt(5)).setTags(strings(rnd.nextInt(3), "tag-")).build();
    }

    public RoutingFeedback feedback(String queryId, String namespace, String[] routes, List<String> contextIds) {
        boolean graded = rnd.nextInt(4) == 0;
        return RoutingFeedback.newBuilder()
                .setQueryId(text(queryId)).setNamespace(text(namespace)).setModel(text("model"))
                .setRoute(edge() ? text("turbo") : routes[rnd.nextInt(routes.length)])
                .setSuccess(graded ? null : (Boolean) rnd.nextBoolean()).setQuality(graded ? aDouble(rnd.nextDouble()) : null)
                .setTokensUsed(anInt(300)).setLatencyMs(aLong(800)).setContextIdsUsed(edge() ? strings(2, "m-") : contextIds)
                .setEventTimeMs(aLong(System.currentTimeMillis())).setModelVersion(rnd.nextBoolean() ? null : text("1.0.0"))
                .setAlpha(aDouble(rnd.nextBoolean() ? null : 0.1)).build();
    }

    public AgentMemory memory(String id, String namespace) {
        float[] v = vector();
        ByteBuffer blob = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) blob.putFloat(x);
        blob.flip();
        if (edge() && blob.limit() > 0) blob.limit(blob.limit() - 1 - rnd.nextInt(3)); // not whole float32s
        long now = System.currentTimeMillis();
        return AgentMemory.newBuilder()
                .setMemoryId(text(id)).setNamespace(text(namespace))
                .setKind(edge() ? text("dream") : new String[] {"episode", "skill", "pattern"}[rnd.nextInt(3)])
                .setText(text("memory text " + rnd.nextInt(1000))).setSessionId(rnd.nextBoolean() ? null : text("s1"))
                .setCreatedAtMs(aLong(now - rnd.nextInt(1_000_000))).setLastUsedAtMs(aLong(0)).setUseCount(anInt(rnd.nextInt(10)))
                .setSuccessRate(aFloat(rnd.nextFloat())).setReward(aFloat(null)).setConfidence(aFloat(0.9f))
                .setCheapOutcome(aFloat(rnd.nextBoolean() ? 1f : 0f)).setStrongOutcome(aFloat(1f))
                .setTags(strings(rnd.nextInt(2), "t")).setSourceId(rnd.nextBoolean() ? null : text("fuzz"))
                .setEmbedding(blob).setDeleted(edge() && rnd.nextBoolean()).setEventTimeMs(aLong(now)).build();
    }
}
