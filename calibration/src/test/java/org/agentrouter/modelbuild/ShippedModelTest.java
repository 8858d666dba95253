package org.agentrouter.modelbuild;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import org.agentrouter.schema.ModelRelease;
import org.agentrouter.scoring.ModelReleases;
import org.agentrouter.scoring.ServedModel;
import org.junit.jupiter.api.Test;

/** The release the job ships is what the builder makes today, calibrated, and servable. */
class ShippedModelTest {
    @Test
    void shippedReleaseIsTheSeedModelCalibratedAndServable() throws Exception {
        ModelRelease shipped = ModelReleases.fromClasspath("models/default");
        assertEquals(ModelReleases.sha256Hex(SeedModelBuilder.build()), shipped.getSha256(),
                "the committed model.onnx drifted from SeedModelBuilder: run ./router build-seed-model and ./router calibrate");
        assertTrue(shipped.getCalibration().getCalibrationSize() > 1000, "calibrated on real held-out outcomes");
        assertEquals("group-risk", shipped.getCalibration().getMethod(), "the guarantee is about a new subject");
        assertTrue(shipped.getCalibration().getGroupCount() >= 40, "every usable subject is a calibration group: "
                + shipped.getCalibration().getGroupCount());
        try (ServedModel served = ServedModel.accept(OrtEnvironment.getEnvironment(), shipped)) {
            assertEquals(shipped.getVersion(), served.version.toString());
        }
    }
}
