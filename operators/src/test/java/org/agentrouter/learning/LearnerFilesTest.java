package org.agentrouter.learning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The learner settings file: what is written is read back, the bundled one is usable, a damaged one is refused. */
class LearnerFilesTest {
    @TempDir
    Path dir;

    @Test
    void writtenSettingsReadBackTheSame() throws IOException {
        double[] w = new double[SharedPrior.WIDTH];
        for (int i = 0; i < w.length; i++) w[i] = (i % 7 - 3) / 100.0;
        LearnerSettings s = new LearnerSettings(new SharedPrior(-1.5, w), 20, 0.23, 0.58, new int[] {0, 10, 50},
                new double[] {0.05, 0.1}, new double[][] {{0.1, 0.12, 0.2}, {0.15, 0.2, 0.3}}, 0.2, 1.0, 50, 3);
        Path file = dir.resolve("learner.json");
        LearnerFiles.write(s, Map.of("fitted_on", "test"), file);
        LearnerFiles.File back = LearnerFiles.read(file);
        assertEquals("test", back.metadata().get("fitted_on"));
        LearnerSettings r = back.settings();
        assertEquals(-1.5, r.prior().bias(), 0);
        assertArrayEquals(w, r.prior().weights(), 0);
        assertArrayEquals(s.stageStarts(), r.stageStarts());
        assertArrayEquals(s.alphas(), r.alphas(), 0);
        for (int a = 0; a < 2; a++) assertArrayEquals(s.cheapBelow()[a], r.cheapBelow()[a], 0);
        assertEquals(0.2, r.cheapShare(), 0);
        assertEquals(50, r.probeUntil());
    }

    @Test
    void theBundledSettingsCalibrateTheDefaultAlphaAndKeepNewNamespacesMostlyStrong() {
        LearnerSettings s = LearnerFiles.bundled().settings();
        int a = s.alphaIndex(0.1);
        assertTrue(a >= 0, "alpha 0.1 is calibrated");
        assertEquals(-1, s.alphaIndex(0.01), "nothing is calibrated that strict");
        double t = s.cheapBelow()[a][0];
        assertTrue(t > 0 && t < 0.5, "stage-0 threshold " + t);
        assertTrue(s.cheapShare() <= 1.0);
    }

    @Test
    void aDamagedFileIsRefusedWithItsName() throws IOException {
        Path file = dir.resolve("bad.json");
        Files.writeString(file, "{\"format\": 1, \"prior\": {\"bias\": 0, \"weights\": [1, 2]}}");
        IOException e = assertThrows(IOException.class, () -> LearnerFiles.read(file));
        assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
    }
}
