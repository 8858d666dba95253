package org.agentrouter.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtEnvironment;
import java.util.Arrays;
import java.util.function.Consumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import org.agentrouter.schema.ModelRelease;

/**
 * Hostile model bytes through the whole acceptance path ({@link ServedModel#accept}: checksum, layout, the graph
 * check, ONNX Runtime, contract, dry run), each release's sha256 recomputed so the checksum never stops it: random bit
 * flips, truncations, splices of two models, and changes to the graph (a huge declared dimension, an unknown operator,
 * external data, a foreign domain, a contract tensor reshaped) alone or followed by bit flips.
 *
 * <p>The property: a release is refused with a named rule, or it is accepted and then passes the graph check and
 * its dry run again; no exception other than the refusal leaves the acceptance path, and nothing allocates what a
 * corrupt size declares (the test JVM runs with the build's heap, 2 GB, so such an allocation would fail it).
 * jqwik prints the seed of a falsified run; {@code jqwik.failures.runfirst} reruns it first next time.
 */
class MutatedModelPropertyTest {
    private static final byte[] SHIPPED = ShippedGraph.bytes();
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    // Edge cases off: jqwik would otherwise spend a third of the tries on the same few (bit 0, empty file, ...).
    @Property(tries = 4000, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void aMutatedReleaseIsRefusedWithARuleOrPassesEveryCheck(@ForAll("hostileModels") Mutation mutation) throws Exception {
        byte[] bytes = mutation.bytes();
        ModelRelease release = ShippedGraph.releaseOf(bytes);
        String outcome;
        try (ServedModel served = ServedModel.accept(ENV, release)) {
            // Accepted: it must be a graph the check passes and whose dry run passes, again, on its own.
            OnnxGraphCheck.check(bytes);
            served.scorer.dryRun();
            outcome = "accepted";
        } catch (ModelRejectedException e) {
            assertFalse(e.rule().isBlank(), "a refusal names its rule");
            assertFalse(e.getMessage().contains(OnnxGraphCheck.UNCHECKED), "the graph check failed itself: " + e.getMessage());
            assertTrue(e.getMessage().length() > e.rule().length() + 2, "a refusal says why: " + e.getMessage());
            outcome = e.rule();
        }
        Statistics.label("kind").collect(mutation.kind());
        Statistics.label("outcome").collect(outcome);
    }

    @Property(tries = 300)
    void aGraphChangedToBreakARuleIsRefusedByTheGraphCheck(@ForAll("ruleBreakers") Mutation mutation) {
        byte[] bytes = mutation.bytes();
        ModelRejectedException e = org.junit.jupiter.api.Assertions.assertThrows(ModelRejectedException.class,
                () -> ServedModel.accept(ENV, ShippedGraph.releaseOf(bytes)), mutation.kind());
        assertEquals(OnnxGraphCheck.RULE, e.rule(), mutation.kind() + ": " + e.getMessage());
        Statistics.label("kind").collect(mutation.kind());
    }

    /** A change to the shipped model's bytes, described for the report and for shrinking's output. */
    record Mutation(String kind, byte[] bytes, String detail) {
        @Override
        public String toString() {
            return kind + " (" + detail + ", " + bytes.length + " bytes)";
        }
    }

    @Provide
    Arbitrary<Mutation> hostileModels() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, bitFlips(SHIPPED, "bit flips")),
                net.jqwik.api.Tuple.of(2, truncations()),
                net.jqwik.api.Tuple.of(2, splices()),
                net.jqwik.api.Tuple.of(2, weightBits()),
                net.jqwik.api.Tuple.of(3, ruleBreakers()),
                net.jqwik.api.Tuple.of(3, ruleBreakers().flatMap(m -> bitFlips(m.bytes(), m.kind() + " + bit flips"))));
    }

    private static Arbitrary<Mutation> bitFlips(byte[] base, String kind) {
        return Arbitraries.integers().between(0, base.length * 8 - 1).list().ofMinSize(1).ofMaxSize(8).map(bits -> {
            byte[] b = base.clone();
            for (int bit : bits) b[bit / 8] ^= (byte) (1 << (bit % 8));
            return new Mutation(kind, b, "bits " + bits);
        });
    }

    private static Arbitrary<Mutation> truncations() {
        return Arbitraries.integers().between(0, SHIPPED.length - 1)
                .map(n -> new Mutation("truncation", Arrays.copyOf(SHIPPED, n), "first " + n + " bytes"));
    }

    /**
     * A float32 initializer's values replaced by arbitrary bit patterns (NaN, infinities, huge and tiny numbers): a
     * valid graph that reaches ONNX Runtime and the dry run, which must refuse what leaves [0, 1].
     */
    private static Arbitrary<Mutation> weightBits() {
        OnnxMl.ModelProto proto = ShippedGraph.proto();
        int initializers = proto.getGraph().getInitializerCount();
        return Combinators.combine(Arbitraries.integers().between(0, initializers - 1), Arbitraries.integers().list().ofMinSize(1).ofMaxSize(64))
                .as((i, bits) -> change("weight bits", "initializer " + i + " <- " + bits.size() + " patterns", m -> {
                    TensorProto.Builder t = m.getGraphBuilder().getInitializerBuilder(i);
                    if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) return;
                    int n = t.getRawData().isEmpty() ? t.getFloatDataCount() : t.getRawData().size() / Float.BYTES;
                    java.nio.ByteBuffer raw = java.nio.ByteBuffer.allocate(n * Float.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    for (int k = 0; k < n; k++) raw.putInt(bits.get(k % bits.size()));
                    t.clearFloatData().setRawData(com.google.protobuf.ByteString.copyFrom(raw.array()));
                }));
    }

    /** The head of one model and the tail of another (the shipped one, or one with a rule broken), cut anywhere. */
    private Arbitrary<Mutation> splices() {
        Arbitrary<byte[]> other = Arbitraries.oneOf(Arbitraries.just(SHIPPED), ruleBreakers().map(Mutation::bytes));
        return Combinators.combine(other, Arbitraries.doubles().between(0, 1), Arbitraries.doubles().between(0, 1)).as((tail, a, b) -> {
            int head = (int) (a * SHIPPED.length);
            int from = (int) (b * tail.length);
            byte[] out = Arrays.copyOf(SHIPPED, head + tail.length - from);
            System.arraycopy(tail, from, out, head, tail.length - from);
            return new Mutation("splice", out, "head " + head + " + tail from " + from);
        });
    }

    /** Structural changes that each break a rule of the graph check. */
    @Provide
    Arbitrary<Mutation> ruleBreakers() {
        OnnxMl.ModelProto proto = ShippedGraph.proto();
        int nodes = proto.getGraph().getNodeCount();
        int initializers = proto.getGraph().getInitializerCount();
        Arbitrary<Mutation> hugeDim = Combinators.combine(Arbitraries.integers().between(0, initializers - 1),
                Arbitraries.integers().between(0, 1), Arbitraries.oneOf(Arbitraries.longs().between(1L << 23, Long.MAX_VALUE),
                        Arbitraries.longs().between(Long.MIN_VALUE, -1)))
                .as((i, d, value) -> change("huge declared dimension", "initializer " + i + " dim " + d + " = " + value, m -> {
                    TensorProto.Builder t = m.getGraphBuilder().getInitializerBuilder(i);
                    while (t.getDimsCount() <= d) t.addDims(1);
                    t.setDims(d, value);
                }));
        Arbitrary<Mutation> unknownOperator = Combinators.combine(Arbitraries.integers().between(0, nodes - 1),
                Arbitraries.oneOf(Arbitraries.of("Loop", "If", "Scan", "ConstantOfShape", "Expand", "Tile", "Resize", "NonZero",
                        "Range", "Reshape", "Upsample", "Einsum"), Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(12)))
                .as((i, op) -> change("unknown operator", "node " + i + " -> " + op, m -> m.getGraphBuilder().getNodeBuilder(i).setOpType(
                        OnnxGraphCheck.OPERATORS.contains(op) ? op + "X" : op)));
        Arbitrary<Mutation> externalData = Combinators.combine(Arbitraries.integers().between(0, initializers - 1),
                Arbitraries.of("/etc/passwd", "../../secrets", "weights.bin", "/proc/self/mem"), Arbitraries.of(true, false))
                .as((i, path, flag) -> change("external data", "initializer " + i + " at " + path, m -> {
                    TensorProto.Builder t = m.getGraphBuilder().getInitializerBuilder(i)
                            .addExternalData(OnnxMl.StringStringEntryProto.newBuilder().setKey("location").setValue(path));
                    if (flag) t.setDataLocation(TensorProto.DataLocation.EXTERNAL).clearRawData().clearFloatData();
                }));
        Arbitrary<Mutation> foreignDomain = Combinators.combine(Arbitraries.integers().between(0, nodes - 1),
                Arbitraries.of("com.microsoft", "ai.onnx.ml", "org.pytorch.aten", "x"))
                .as((i, domain) -> change("foreign domain", "node " + i + " in " + domain, m -> {
                    m.getGraphBuilder().getNodeBuilder(i).setDomain(domain);
                    m.addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(1));
                }));
        Arbitrary<Mutation> contractShape = Combinators.combine(Arbitraries.integers().between(0, 1),
                Arbitraries.longs().between(-1, 1L << 40).filter(v -> !servedCandidateDim(v)))
                .as((d, value) -> change("contract shape", "candidates dim " + d + " = " + value, m -> m.getGraphBuilder()
                        .getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(d).setDimValue(value)));
        Arbitrary<Mutation> opset = Arbitraries.longs().between(Long.MIN_VALUE, Long.MAX_VALUE)
                .filter(v -> v < OnnxGraphCheck.MIN_OPSET || v > OnnxGraphCheck.MAX_OPSET)
                .map(v -> change("opset", "opset " + v, m -> m.setOpsetImport(0, m.getOpsetImport(0).toBuilder().setVersion(v))));
        return Arbitraries.oneOf(hugeDim, unknownOperator, externalData, foreignDomain, contractShape, opset);
    }

    /** A value some served layout declares for the candidate matrix (rows, or the columns of layout 1 or 2): no rule broken. */
    private static boolean servedCandidateDim(long v) {
        return v == OnnxScorer.CANDIDATES_SHAPE[0] || v == OnnxScorer.CANDIDATES_SHAPE[1] || v == OnnxScorer.V1_CANDIDATES_SHAPE[1];
    }

    private static Mutation change(String kind, String detail, Consumer<OnnxMl.ModelProto.Builder> change) {
        return new Mutation(kind, ShippedGraph.with(change), detail);
    }
}
