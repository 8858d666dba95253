package org.agentrouter.routing;

import java.io.Serializable;

/**
 * Stops calling a dependency that keeps failing (the scorer, the memory store) so that queries fall
 * back at once instead of each paying for the failure. Opens after {@code failureThreshold} failures
 * within {@code window}; after {@code coolDown} it lets one call through (half-open); a success closes
 * it, a failure opens it again. Time is passed in, so the logic is testable without sleeping.
 * Used from one task thread; not thread-safe.
 */
public final class CircuitBreaker {
    public enum State { CLOSED, HALF_OPEN, OPEN }

    public static final class Settings implements Serializable {
        private static final long serialVersionUID = 1L;
        public final int failureThreshold;
        public final long windowMs;
        public final long coolDownMs;

        public Settings(int failureThreshold, long windowMs, long coolDownMs) {
            if (failureThreshold < 1 || windowMs < 1 || coolDownMs < 1) {
                throw new IllegalArgumentException("breaker settings must be positive");
            }
            this.failureThreshold = failureThreshold;
            this.windowMs = windowMs;
            this.coolDownMs = coolDownMs;
        }

        /** The seed's numbers: 5 failures in 60 s, retry after 30 s. */
        public static Settings defaults() {
            return new Settings(5, 60_000, 30_000);
        }
    }

    private final Settings settings;
    /** Times of the most recent failures, a ring of failureThreshold entries. */
    private final long[] failures;
    private int next;
    private int recorded;
    private State state = State.CLOSED;
    private long openedAtMs;
    private boolean trialInFlight;

    public CircuitBreaker(Settings settings) {
        this.settings = settings;
        this.failures = new long[settings.failureThreshold];
    }

    /** Whether a call may go ahead now. In half-open state only one trial call is let through. */
    public boolean allow(long nowMs) {
        if (state == State.OPEN && nowMs - openedAtMs >= settings.coolDownMs) {
            state = State.HALF_OPEN;
            trialInFlight = false;
        }
        if (state == State.CLOSED) return true;
        if (state == State.HALF_OPEN && !trialInFlight) {
            trialInFlight = true;
            return true;
        }
        return false;
    }

    public void onSuccess() {
        if (state != State.CLOSED) {
            state = State.CLOSED;
            recorded = 0;
        }
        trialInFlight = false;
    }

    public void onFailure(long nowMs) {
        trialInFlight = false;
        if (state == State.HALF_OPEN) {
            open(nowMs);
            return;
        }
        failures[next] = nowMs;
        next = (next + 1) % failures.length;
        recorded = Math.min(recorded + 1, failures.length);
        // The oldest of the last `threshold` failures is where `next` now points.
        if (recorded == failures.length && nowMs - failures[next] <= settings.windowMs) {
            open(nowMs);
        }
    }

    private void open(long nowMs) {
        state = State.OPEN;
        openedAtMs = nowMs;
        recorded = 0;
    }

    public State state() {
        return state;
    }

    /** 0 closed, 1 half-open, 2 open: the gauge value. */
    public int stateCode() {
        return state.ordinal();
    }
}
