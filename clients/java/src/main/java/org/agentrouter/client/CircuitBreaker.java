package org.agentrouter.client;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/**
 * Stops asking a router that is not answering. CLOSED: calls go through; {@code failureThreshold}
 * failures within {@code window} open it. OPEN: calls are refused (the client answers locally) until
 * {@code coolDown} has passed. HALF_OPEN: calls go through again as probes; one success closes the
 * breaker, one failure opens it for another cool-down.
 */
public final class CircuitBreaker {
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int failureThreshold;
    private final long windowNanos;
    private final long coolDownNanos;
    private final LongSupplier clock;

    private final Deque<Long> recentFailures = new ArrayDeque<>();
    private State state = State.CLOSED;
    private long openedAt;

    public CircuitBreaker(int failureThreshold, Duration window, Duration coolDown) {
        this(failureThreshold, window, coolDown, System::nanoTime);
    }

    /** @param clock nanosecond clock, replaceable so tests need not sleep */
    public CircuitBreaker(int failureThreshold, Duration window, Duration coolDown, LongSupplier clock) {
        if (failureThreshold < 1) throw new IllegalArgumentException("failureThreshold must be at least 1");
        this.failureThreshold = failureThreshold;
        this.windowNanos = window.toNanos();
        this.coolDownNanos = coolDown.toNanos();
        this.clock = clock;
    }

    /** Whether a call may go to the router now. Moves OPEN to HALF_OPEN once the cool-down is over. */
    public synchronized boolean allowsCall() {
        if (state == State.OPEN && clock.getAsLong() - openedAt >= coolDownNanos) {
            state = State.HALF_OPEN;
        }
        return state != State.OPEN;
    }

    public synchronized void recordSuccess() {
        state = State.CLOSED;
        recentFailures.clear();
    }

    public synchronized void recordFailure() {
        long now = clock.getAsLong();
        if (state == State.HALF_OPEN) {
            open(now);
            return;
        }
        if (state == State.OPEN) return;
        recentFailures.addLast(now);
        while (!recentFailures.isEmpty() && now - recentFailures.peekFirst() > windowNanos) {
            recentFailures.removeFirst();
        }
        if (recentFailures.size() >= failureThreshold) open(now);
    }

    public synchronized State state() {
        allowsCall();
        return state;
    }

    private void open(long now) {
        state = State.OPEN;
        openedAt = now;
        recentFailures.clear();
    }
}
