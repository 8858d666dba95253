package org.agentrouter.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private final CircuitBreaker breaker = new CircuitBreaker(new CircuitBreaker.Settings(5, 60_000, 30_000));

    @Test
    void opensAfterFiveFailuresWithinTheWindowOnly() {
        for (int i = 0; i < 4; i++) breaker.onFailure(i * 20_000L); // 4 failures spread over 60 s
        breaker.onFailure(100_000); // the 5 most recent span 20_000..100_000 = 80 s: stays closed
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        for (int i = 1; i <= 4; i++) breaker.onFailure(100_000 + i);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertFalse(breaker.allow(100_010));
    }

    @Test
    void halfOpensAfterTheCoolDownWithOneTrialThenClosesOnSuccess() {
        for (int i = 0; i < 5; i++) breaker.onFailure(i);
        assertFalse(breaker.allow(29_000));
        assertTrue(breaker.allow(30_004));
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
        assertFalse(breaker.allow(30_005), "one trial at a time");
        breaker.onSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
        assertTrue(breaker.allow(30_006));
    }

    @Test
    void aFailedTrialOpensItAgain() {
        for (int i = 0; i < 5; i++) breaker.onFailure(i);
        assertTrue(breaker.allow(40_000));
        breaker.onFailure(40_001);
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertFalse(breaker.allow(60_000));
        assertTrue(breaker.allow(70_001));
    }
}
