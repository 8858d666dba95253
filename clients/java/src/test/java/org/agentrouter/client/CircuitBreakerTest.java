package org.agentrouter.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private final AtomicLong now = new AtomicLong();
    private final CircuitBreaker breaker =
            new CircuitBreaker(3, Duration.ofSeconds(10), Duration.ofSeconds(5), now::get);

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }

    @Test
    void opensAfterThresholdFailuresInTheWindow() {
        breaker.recordFailure();
        breaker.recordFailure();
        assertTrue(breaker.allowsCall());
        breaker.recordFailure();
        assertEquals(CircuitBreaker.State.OPEN, breaker.state());
        assertFalse(breaker.allowsCall());
    }

    @Test
    void failuresOutsideTheWindowDoNotCount() {
        breaker.recordFailure();
        breaker.recordFailure();
        advance(Duration.ofSeconds(11));
        breaker.recordFailure();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    }

    @Test
    void halfOpensAfterCoolDownAndClosesOnSuccess() {
        for (int i = 0; i < 3; i++) breaker.recordFailure();
        advance(Duration.ofSeconds(4));
        assertFalse(breaker.allowsCall());
        advance(Duration.ofSeconds(1));
        assertTrue(breaker.allowsCall());
        assertEquals(CircuitBreaker.State.HALF_OPEN, breaker.state());
        breaker.recordSuccess();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    }

    @Test
    void aFailedProbeReopensForAnotherCoolDown() {
        for (int i = 0; i < 3; i++) breaker.recordFailure();
        advance(Duration.ofSeconds(5));
        assertTrue(breaker.allowsCall());
        breaker.recordFailure();
        assertFalse(breaker.allowsCall());
        advance(Duration.ofSeconds(5));
        assertTrue(breaker.allowsCall());
    }

    @Test
    void successResetsTheFailureCount() {
        breaker.recordFailure();
        breaker.recordFailure();
        breaker.recordSuccess();
        breaker.recordFailure();
        breaker.recordFailure();
        assertEquals(CircuitBreaker.State.CLOSED, breaker.state());
    }
}
