package org.agentrouter.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.agentrouter.schema.DeadLetter;
import org.agentrouter.schema.ErrorCategory;
import org.agentrouter.schema.ModelEvent;
import org.agentrouter.schema.RoutingFeedback;
import org.agentrouter.wire.AvroWire;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/** Feedback decoding and the per-version guarantee monitor, each in Flink's operator test harness. */
class GuaranteeMonitorTest {
    private static RoutingFeedback.Builder feedback(String id) {
        return RoutingFeedback.newBuilder().setQueryId(id).setNamespace("ns").setModel("small").setRoute("cheap")
                .setSuccess(true).setEventTimeMs(1).setModelVersion("1.2.0").setAlpha(0.1);
    }

    @Test
    void decodesOutcomesAndDeadLettersFeedbackWithoutOne() throws Exception {
        try (OneInputStreamOperatorTestHarness<RawRecord, FeedbackOutcome> h =
                     ProcessFunctionTestHarnesses.forProcessFunction(new FeedbackDecoder(new RouterConfig()))) {
            h.processElement(new RawRecord(AvroWire.FEEDBACK.encode(feedback("ok").setSuccess(false).build()), "routing-feedback", 0, 1), 0);
            h.processElement(new RawRecord(AvroWire.FEEDBACK.encode(feedback("strong").setRoute("strong").setSuccess(false).build()), "routing-feedback", 0, 2), 0);
            h.processElement(new RawRecord(AvroWire.FEEDBACK.encode(feedback("no-version").setModelVersion(null).setAlpha(null).build()), "routing-feedback", 0, 3), 0);
            h.processElement(new RawRecord(AvroWire.FEEDBACK.encode(feedback("no-outcome").setSuccess(null).build()), "routing-feedback", 0, 4), 0);
            h.processElement(new RawRecord(AvroWire.FEEDBACK.encode(feedback("odd-route").setRoute("medium").build()), "routing-feedback", 0, 5), 0);
            h.processElement(new RawRecord(new byte[] {9, 9}, "routing-feedback", 0, 6), 0);

            List<FeedbackOutcome> out = h.extractOutputValues();
            assertEquals(3, out.size());
            assertTrue(out.get(0).violation, "a failed cheap answer");
            assertEquals(false, out.get(1).violation, "a failed strong answer is not the router's violation");
            assertEquals(FeedbackOutcome.UNKNOWN_VERSION, out.get(2).modelVersion);
            assertEquals(new RouterConfig().defaultAlpha, out.get(2).alpha);

            var dead = h.getSideOutput(RouterOutputs.DEAD_LETTERS);
            assertEquals(3, dead.size());
            DeadLetter noOutcome = AvroWire.DEAD_LETTER.decode(dead.poll().getValue().value);
            assertEquals(ErrorCategory.INVALID_FIELD, noOutcome.getCategory());
            assertTrue(noOutcome.getReason().toString().contains("neither success nor quality"), noOutcome.getReason().toString());
            assertTrue(AvroWire.DEAD_LETTER.decode(dead.poll().getValue().value).getReason().toString().contains("unknown route"));
            assertEquals(ErrorCategory.MALFORMED_RECORD, AvroWire.DEAD_LETTER.decode(dead.poll().getValue().value).getCategory());
        }
    }

    @Test
    void flagsDriftOncePerFlipAndKeepsItsWindowAcrossARestore() throws Exception {
        var snapshot = new Object() { org.apache.flink.runtime.checkpoint.OperatorSubtaskState state; };
        try (KeyedOneInputStreamOperatorTestHarness<String, FeedbackOutcome, KafkaMessage> h = harness()) {
            h.open();
            // 100 outcomes at the promised rate: no event.
            for (int i = 0; i < 100; i++) h.processElement(new StreamRecord<>(new FeedbackOutcome("q" + i, "1.2.0", "cheap", i % 10 == 0, 0.1)));
            assertEquals(0, h.extractOutputValues().size());
            // Then half the cheap answers fail: one drift event, not one per outcome.
            for (int i = 0; i < 100; i++) h.processElement(new StreamRecord<>(new FeedbackOutcome("r" + i, "1.2.0", "cheap", i % 2 == 0, 0.1)));
            List<KafkaMessage> events = h.extractOutputValues();
            assertEquals(1, events.size());
            ModelEvent drift = AvroWire.MODEL_EVENT.decode(events.get(0).value);
            assertEquals("drift", drift.getEvent().toString());
            assertEquals("1.2.0", drift.getModelVersion().toString());
            assertTrue(drift.getReason().toString().contains("against alpha 0.100"), drift.getReason().toString());
            // Another version is judged on its own outcomes.
            h.processElement(new StreamRecord<>(new FeedbackOutcome("s", "1.3.0", "cheap", false, 0.1)));
            assertEquals(1, h.extractOutputValues().size());
            snapshot.state = h.snapshot(1, 1);
        }
        try (KeyedOneInputStreamOperatorTestHarness<String, FeedbackOutcome, KafkaMessage> h = harness()) {
            h.initializeState(snapshot.state);
            h.open();
            // The restored window still holds the failures: enough good outcomes to clear it, then one clear event.
            for (int i = 0; i < 300; i++) h.processElement(new StreamRecord<>(new FeedbackOutcome("t" + i, "1.2.0", "cheap", false, 0.1)));
            List<KafkaMessage> events = h.extractOutputValues();
            assertEquals(1, events.size());
            assertEquals("drift-cleared", AvroWire.MODEL_EVENT.decode(events.get(0).value).getEvent().toString());
        }
    }

    /** Not yet opened, so a test can restore state into it first. */
    private static KeyedOneInputStreamOperatorTestHarness<String, FeedbackOutcome, KafkaMessage> harness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new GuaranteeMonitor(500, 50)), o -> o.modelVersion, Types.STRING);
    }
}
