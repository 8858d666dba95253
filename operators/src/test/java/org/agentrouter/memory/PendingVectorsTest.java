package org.agentrouter.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.agentrouter.wire.Embeddings;
import org.junit.jupiter.api.Test;

class PendingVectorsTest {

    @Test
    void everyHalfSurvivesTheRoundTripAndFloatsRoundToTheNearest() {
        for (int h = 0; h < 0x10000; h++) {
            float f = PendingVectors.fromHalf(h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(PendingVectors.fromHalf(PendingVectors.toHalf(f))), Integer.toHexString(h));
            } else {
                assertEquals(h, PendingVectors.toHalf(f), Integer.toHexString(h));
            }
        }
        // Nearest: no other half is closer than the chosen one (checked against the two neighbours).
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(-26, 13)));
            int h = PendingVectors.toHalf(f);
            double err = Math.abs(PendingVectors.fromHalf(h) - (double) f);
            for (int n : new int[] {h - 1, h + 1}) {
                if ((n & 0x7fff) >= 0x7c00 || n < 0 || (n & 0x8000) != (h & 0x8000)) continue;
                assertTrue(err <= Math.abs(PendingVectors.fromHalf(n) - (double) f), f + " -> " + Integer.toHexString(h));
            }
        }
        assertEquals(0x7c00, PendingVectors.toHalf(1e6f)); // overflow is infinity
        assertEquals(0x8000, PendingVectors.toHalf(-1e-9f)); // underflow keeps the sign
    }

    @Test
    void anEmbeddingHalvesAndStateWrittenAsFloat32StillReads() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] v = new float[Embeddings.DIM];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian() * 0.05f;
        byte[] b = PendingVectors.encode(v);
        assertEquals(1 + 2 * Embeddings.DIM, b.length);
        float[] back = PendingVectors.decode(b);
        for (int i = 0; i < v.length; i++) assertEquals(v[i], back[i], Math.abs(v[i]) / 2048, "component " + i);

        assertArrayEquals(v, PendingVectors.decode(Embeddings.toBytes(v))); // a savepoint's recent queries, as they were
        assertThrows(IllegalArgumentException.class, () -> PendingVectors.decode(new byte[7]));
    }
}
