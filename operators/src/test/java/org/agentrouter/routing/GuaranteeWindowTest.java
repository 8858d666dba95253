package org.agentrouter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class GuaranteeWindowTest {
    @Test
    void slidesOverTheLastOutcomes() {
        GuaranteeWindow w = new GuaranteeWindow(4, 1);
        w.add(true, 0.1);
        w.add(true, 0.1);
        w.add(false, 0.2);
        w.add(false, 0.2);
        assertEquals(0.5, w.violationRate(), 1e-9);
        assertEquals(0.15, w.meanAlpha(), 1e-6);
        w.add(false, 0.2); // pushes out the first violation
        w.add(false, 0.2); // and the second
        assertEquals(0.0, w.violationRate(), 1e-9);
        assertEquals(0.2, w.meanAlpha(), 1e-6);
        assertEquals(4, w.size);
        assertEquals(6, w.total);
    }

    @Test
    void aRateAtAlphaIsNotDriftButAClearExcessIs() {
        Random rnd = new Random(3);
        GuaranteeWindow atAlpha = new GuaranteeWindow(500, 50);
        for (int i = 0; i < 500; i++) atAlpha.add(rnd.nextDouble() < 0.10, 0.10);
        assertFalse(atAlpha.drifting(), atAlpha.describe());

        GuaranteeWindow excess = new GuaranteeWindow(500, 50);
        for (int i = 0; i < 500; i++) excess.add(rnd.nextDouble() < 0.20, 0.10);
        assertTrue(excess.drifting(), excess.describe());
        assertTrue(excess.rateLowerBound() < excess.violationRate());
    }

    @Test
    void tooFewOutcomesNeverDrift() {
        GuaranteeWindow w = new GuaranteeWindow(500, 50);
        for (int i = 0; i < 49; i++) w.add(true, 0.05);
        assertFalse(w.drifting());
        w.add(true, 0.05);
        assertTrue(w.drifting());
    }

    @Test
    void wilsonLowerBoundMatchesTheFormula() {
        GuaranteeWindow w = new GuaranteeWindow(100, 1);
        for (int i = 0; i < 100; i++) w.add(i < 20, 0.1);
        // p = 0.2, n = 100, z = 2.326: (p + z^2/2n - z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)
        double z = 2.326, n = 100, p = 0.2;
        double expected = (p + z * z / (2 * n) - z * Math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))) / (1 + z * z / n);
        assertEquals(expected, w.rateLowerBound(), 1e-12);
        assertTrue(expected > 0.12 && expected < 0.13, "about 0.124, got " + expected);
    }

    @Test
    void onlyFailedAnswersBelowTheStrongestRouteAreViolations() {
        assertEquals(Boolean.TRUE, GuaranteeWindow.isViolation("cheap", "strong", false, null, 0.5));
        assertEquals(Boolean.FALSE, GuaranteeWindow.isViolation("cheap", "strong", true, null, 0.5));
        assertEquals(Boolean.FALSE, GuaranteeWindow.isViolation("strong", "strong", false, null, 0.5));
        assertEquals(Boolean.TRUE, GuaranteeWindow.isViolation("cheap", "strong", null, 0.3, 0.5));
        assertEquals(Boolean.FALSE, GuaranteeWindow.isViolation("cheap", "strong", null, 0.8, 0.5));
        assertNull(GuaranteeWindow.isViolation("cheap", "strong", null, null, 0.5));
    }
}
