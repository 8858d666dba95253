package org.agentrouter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TrafficSplitTest {
    @Test
    void aUserStaysOnItsVariantAndRaisingTheShareOnlyAddsUsers() {
        int[] shares = {0, 5, 25, 50, 100};
        for (int u = 0; u < 5_000; u++) {
            String user = "user-" + u;
            assertEquals(TrafficSplit.bucket(user), TrafficSplit.bucket(new String(user)));
            boolean before = false;
            for (int share : shares) {
                boolean now = TrafficSplit.toChallenger(user, share);
                assertTrue(now || !before, user + " left the challenger when its share grew to " + share);
                before = now;
            }
            assertFalse(TrafficSplit.toChallenger(user, 0));
            assertTrue(TrafficSplit.toChallenger(user, 100));
        }
    }

    @Test
    void theShareOfUsersMatchesTheShareAsked() {
        for (int share : new int[] {5, 25, 50}) {
            int on = 0;
            int users = 20_000;
            for (int u = 0; u < users; u++) {
                if (TrafficSplit.toChallenger("agent-7/user-" + u, share)) on++;
            }
            double fraction = on / (double) users;
            assertEquals(share / 100.0, fraction, 0.015, "share " + share);
        }
    }
}
