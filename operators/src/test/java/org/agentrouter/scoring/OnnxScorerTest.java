package org.agentrouter.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What the scorer does with bytes that are not a model, against a real ONNX Runtime. Scoring real graphs
 * is tested in the calibration module, which can build them (operators has no ONNX graph writer).
 */
class OnnxScorerTest {
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @Test
    void corruptBytesAreRefusedWithTheRuntimeError() {
        byte[] garbage = "this is not an ONNX model".getBytes(StandardCharsets.UTF_8);

        ModelContractException e = assertThrows(ModelContractException.class, () -> new OnnxScorer(ENV, garbage));

        assertTrue(e.getMessage().startsWith("ONNX Runtime could not load the model (" + garbage.length + " bytes): "),
                e.getMessage());
        assertInstanceOf(OrtException.class, e.getCause());
        assertTrue(e.getMessage().contains(e.getCause().getMessage()), "keeps ORT's own reason in the message");
    }

    @Test
    void randomBytesAreRefused() {
        byte[] noise = new byte[4096];
        new SplittableRandom(7).nextBytes(noise);

        ModelContractException e = assertThrows(ModelContractException.class, () -> new OnnxScorer(ENV, noise));

        assertInstanceOf(OrtException.class, e.getCause());
    }

    @Test
    void emptyBytesAreRefusedBeforeReachingTheRuntime() {
        ModelContractException e = assertThrows(ModelContractException.class, () -> new OnnxScorer(ENV, new byte[0]));

        assertEquals("model bytes are empty", e.getMessage());
    }
}
