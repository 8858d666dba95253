package org.agentrouter.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.agentrouter.schema.AgentMemory;
import org.agentrouter.schema.AgentQuery;
import org.agentrouter.schema.ConformalCalibration;
import org.agentrouter.schema.ModelControl;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.schema.RoutingFeedback;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Generative fuzzing of every topic's decoder: valid records with every field at its edges, then damaged by
 * {@link ByteMutator} (bit flips, truncation, splices, huge and negative length prefixes, random bodies). The
 * property: {@link AvroWire#decode} returns a record or throws {@link WireFormatException} (never anything else),
 * and allocates at most a bound proportional to the record's size (measured per call on the thread). jqwik prints
 * the seed of a failing run; {@code -Djqwik.seeds.whenfixed=...} or {@code @Property(seed = ...)} replays it.
 */
class WireFuzzTest {
    /** Allocation allowed per decode: a fixed allowance plus this many bytes per input byte (boxed floats are 16x). */
    private static final long FIXED_ALLOWANCE = 64 * 1024;
    private static final long PER_INPUT_BYTE = 24;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @BeforeContainer
    static void warmUp() throws Exception {
        // The first decode per writer schema builds Avro's resolver, and the first run of each error path loads
        // classes: neither is a per-record cost, so both are paid here before anything is measured.
        Random rnd = new Random(1);
        for (int i = 0; i < 300; i++) {
            warm(AvroWire.QUERY, query(rnd), rnd);
            warm(AvroWire.FEEDBACK, feedback(rnd), rnd);
            warm(AvroWire.MEMORY, memory(rnd), rnd);
            warm(AvroWire.MODEL_RELEASE, release(rnd), rnd);
            warm(AvroWire.MODEL_CONTROL, control(rnd), rnd);
        }
    }

    private static <T extends SpecificRecordBase> void warm(AvroWire<T> wire, T record, Random rnd) {
        byte[] valid = wire.encode(record);
        for (ByteMutator.Kind kind : ByteMutator.Kind.values()) {
            try {
                wire.decode(ByteMutator.mutate(valid, kind, rnd));
                wire.decode(valid);
            } catch (WireFormatException ignored) {
                // refused, as most damaged records are
            }
        }
    }

    @Property(tries = 2000)
    void queriesDecodeOrAreRefused(@ForAll("queries") AgentQuery q, @ForAll("kinds") ByteMutator.Kind kind, @ForAll long seed) {
        assertDecodesOrRefuses(AvroWire.QUERY, q, kind, seed);
    }

    @Property(tries = 1500)
    void feedbackDecodesOrIsRefused(@ForAll("feedback") RoutingFeedback f, @ForAll("kinds") ByteMutator.Kind kind, @ForAll long seed) {
        assertDecodesOrRefuses(AvroWire.FEEDBACK, f, kind, seed);
    }

    @Property(tries = 1500)
    void memoriesDecodeOrAreRefused(@ForAll("memories") AgentMemory m, @ForAll("kinds") ByteMutator.Kind kind, @ForAll long seed) {
        assertDecodesOrRefuses(AvroWire.MEMORY, m, kind, seed);
    }

    @Property(tries = 1000)
    void releasesDecodeOrAreRefused(@ForAll long recordSeed, @ForAll("kinds") ByteMutator.Kind kind, @ForAll long seed) {
        assertDecodesOrRefuses(AvroWire.MODEL_RELEASE, release(new Random(recordSeed)), kind, seed);
    }

    @Property(tries = 1000)
    void controlsDecodeOrAreRefused(@ForAll long recordSeed, @ForAll("kinds") ByteMutator.Kind kind, @ForAll long seed) {
        assertDecodesOrRefuses(AvroWire.MODEL_CONTROL, control(new Random(recordSeed)), kind, seed);
    }

    /** Valid records at their edges decode to themselves (the bounds check refuses nothing real). */
    @Property(tries = 500)
    void validQueriesRoundTrip(@ForAll("queries") AgentQuery q) throws Exception {
        assertEquals(q, AvroWire.QUERY.decode(AvroWire.QUERY.encode(q)));
    }

    @Property(tries = 300)
    void validMemoriesAndFeedbackRoundTrip(@ForAll("memories") AgentMemory m, @ForAll("feedback") RoutingFeedback f) throws Exception {
        assertEquals(m, AvroWire.MEMORY.decode(AvroWire.MEMORY.encode(m)));
        assertEquals(f, AvroWire.FEEDBACK.decode(AvroWire.FEEDBACK.encode(f)));
    }

    private static <T extends SpecificRecordBase> void assertDecodesOrRefuses(AvroWire<T> wire, T record,
                                                                             ByteMutator.Kind kind, long seed) {
        byte[] bytes = ByteMutator.mutate(wire.encode(record), kind, new Random(seed));
        // The least of three runs: what decoding these bytes allocates, without a one-off of the JVM's (a
        // deoptimisation re-materialising objects, a class initialised on this path for the first time).
        long allocated = Long.MAX_VALUE;
        for (int run = 0; run < 3 && allocated > boundFor(bytes); run++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            try {
                wire.decode(bytes);
            } catch (WireFormatException refused) {
                assertTrue(refused.category() != null && refused.getMessage() != null);
            }
            allocated = Math.min(allocated, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        assertTrue(allocated <= boundFor(bytes), "decoding " + bytes.length + " bytes (" + kind + ") allocated " + allocated
                + " bytes, more than " + boundFor(bytes));
    }

    private static long boundFor(byte[] bytes) {
        return FIXED_ALLOWANCE + PER_INPUT_BYTE * bytes.length;
    }

    @Provide
    Arbitrary<ByteMutator.Kind> kinds() {
        return Arbitraries.of(ByteMutator.Kind.class);
    }

    // ------------------------------------------------------------------ valid records, fields at their edges

    /** Any text UTF-8 can carry: every code point but the unpaired surrogates Java strings allow. */
    private static Arbitrary<String> text() {
        Arbitrary<String> unicode = Arbitraries.strings().withCharRange('\u0000', '\uD7FF').withCharRange('\uE000', '\uFFFF')
                .ofMaxLength(300);
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(40), unicode, Arbitraries.just(""));
    }

    private static Arbitrary<Float> floats() {
        return Arbitraries.oneOf(Arbitraries.floats(),
                Arbitraries.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE, Float.MAX_VALUE));
    }

    private static Arbitrary<Double> doubles() {
        return Arbitraries.oneOf(Arbitraries.doubles(),
                Arbitraries.of(Double.NaN, Double.POSITIVE_INFINITY, -1.0, 0.0, 1.0, 7.5, Double.MIN_VALUE));
    }

    @Provide
    Arbitrary<AgentQuery> queries() {
        Arbitrary<List<Float>> embedding = Arbitraries.oneOf(
                Arbitraries.just((List<Float>) null),
                Combinators.combine(Arbitraries.longs(), Arbitraries.just(384)).as(WireFuzzTest::vector),
                Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 500)).as(WireFuzzTest::vector));
        return Combinators.combine(text(), text(), text(), text(), embedding, Arbitraries.longs(), doubles().injectNull(0.3),
                        Arbitraries.integers())
                .as((id, ns, user, body, vec, time, alpha, k) -> AgentQuery.newBuilder().setQueryId(id).setNamespace(ns)
                        .setUserId(user).setSessionId(body.isEmpty() ? null : user).setText(body).setEmbedding(vec)
                        .setEventTimeMs(time).setAlpha(alpha).setMaxCostUsd(alpha == null ? null : -alpha).setContextK(k)
                        .setTags(body.length() > 3 ? List.of(id, ns) : List.of()).build());
    }

    @Provide
    Arbitrary<RoutingFeedback> feedback() {
        return Combinators.combine(text(), text(), text(), Arbitraries.of(true, false).injectNull(0.4), doubles().injectNull(0.4),
                        Arbitraries.integers(), Arbitraries.longs(), text().list().ofMaxSize(20))
                .as((id, ns, route, success, quality, tokens, time, used) -> RoutingFeedback.newBuilder().setQueryId(id)
                        .setNamespace(ns).setModel(route).setRoute(route).setSuccess(success).setQuality(quality)
                        .setTokensUsed(tokens).setLatencyMs(time).setContextIdsUsed(new ArrayList<>(used))
                        .setEventTimeMs(time).setModelVersion(quality == null ? null : ns).setAlpha(quality).build());
    }

    @Provide
    Arbitrary<AgentMemory> memories() {
        Arbitrary<byte[]> vector = Arbitraries.oneOf(
                        Combinators.combine(Arbitraries.longs(), Arbitraries.just(384)).as(WireFuzzTest::vector),
                        Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 400)).as(WireFuzzTest::vector))
                .map(WireFuzzTest::float32);
        return Combinators.combine(text(), text(), text(), text(), floats().injectNull(0.3), Arbitraries.integers(),
                        Arbitraries.longs(), vector)
                .as((id, ns, kind, body, value, uses, time, vec) -> AgentMemory.newBuilder().setMemoryId(id).setNamespace(ns)
                        .setKind(kind).setText(body).setSessionId(null).setCreatedAtMs(time).setLastUsedAtMs(-time)
                        .setUseCount(uses).setSuccessRate(value).setReward(value).setConfidence(value).setCheapOutcome(value)
                        .setStrongOutcome(value).setTags(List.of(kind)).setSourceId(id).setEmbedding(ByteBuffer.wrap(vec))
                        .setDeleted(uses % 5 == 0).setEventTimeMs(time).build());
    }

    /** A seeded vector (generating 384 floats one by one through jqwik is slow), with edge values now and then. */
    private static List<Float> vector(long seed, int size) {
        Random rnd = new Random(seed);
        float[] edges = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE, Float.MAX_VALUE, 0f};
        List<Float> v = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            v.add(rnd.nextInt(100) == 0 ? edges[rnd.nextInt(edges.length)] : (float) rnd.nextGaussian());
        }
        return v;
    }

    private static byte[] float32(List<Float> values) {
        ByteBuffer b = ByteBuffer.allocate(values.size() * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (Float f : values) b.putFloat(f);
        return b.array();
    }

    // Plain seeded generators: the warm-up and the release/control properties use them.

    static AgentQuery query(Random rnd) {
        List<Float> v = new ArrayList<>();
        for (int i = 0; i < 384; i++) v.add((float) rnd.nextGaussian());
        return AgentQuery.newBuilder().setQueryId("q-" + rnd.nextInt()).setNamespace("ns").setUserId("u").setText("text " + rnd.nextInt())
                .setEmbedding(v).setEventTimeMs(rnd.nextLong()).setContextK(5).setTags(List.of("a", "b")).build();
    }

    static RoutingFeedback feedback(Random rnd) {
        return RoutingFeedback.newBuilder().setQueryId("q-" + rnd.nextInt()).setNamespace("ns").setModel("m").setRoute("cheap")
                .setSuccess(rnd.nextBoolean()).setEventTimeMs(rnd.nextLong()).setContextIdsUsed(List.of("m1", "m2")).build();
    }

    static AgentMemory memory(Random rnd) {
        byte[] v = new byte[384 * 4];
        rnd.nextBytes(v);
        return AgentMemory.newBuilder().setMemoryId("m-" + rnd.nextInt()).setNamespace("ns").setKind("episode").setText("t")
                .setCreatedAtMs(1).setEmbedding(ByteBuffer.wrap(v)).setEventTimeMs(2).build();
    }

    static ModelRelease release(Random rnd) {
        byte[] onnx = new byte[64 + rnd.nextInt(512)];
        rnd.nextBytes(onnx);
        return ModelRelease.newBuilder().setName("router").setVersion(rnd.nextInt(3) + "." + rnd.nextInt(9) + ".0")
                .setFeatureLayoutVersion(rnd.nextInt(5)).setSha256("ab".repeat(32)).setOnnxModel(ByteBuffer.wrap(onnx))
                .setCalibration(ConformalCalibration.newBuilder().setMethod("group-risk").setAlphas(List.of(0.05, 0.1, 0.2))
                        .setStrongThresholds(List.of(0.5, 0.6, 0.7)).setCheapThresholds(List.of(0.5, 0.4, 0.3))
                        .setCalibrationSize(rnd.nextInt(10_000)).build())
                .setMetadata(Map.of("k" + rnd.nextInt(10), "v")).setPublishedAtMs(rnd.nextLong()).build();
    }

    static ModelControl control(Random rnd) {
        return ModelControl.newBuilder().setAction(rnd.nextBoolean() ? "rollback" : "rollout").setSharePercent(rnd.nextInt(101))
                .setModelName("router").setReason(rnd.nextBoolean() ? null : "reason " + rnd.nextInt())
                .setRequestedAtMs(rnd.nextLong()).setModelVersion("1.2.3").build();
    }
}
