"""The client-side circuit breaker: stops asking a router that is not answering."""

from __future__ import annotations

import enum
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Callable, Deque


class BreakerState(str, enum.Enum):
    CLOSED = "CLOSED"
    OPEN = "OPEN"
    HALF_OPEN = "HALF_OPEN"


@dataclass(frozen=True)
class BreakerSettings:
    """``failure_threshold`` failures within ``window`` seconds open the breaker for ``cool_down`` seconds.

    The defaults are the Java and TypeScript clients' (5 failures in 10 s, 5 s cool-down).
    """

    failure_threshold: int = 5
    window: float = 10.0
    cool_down: float = 5.0


class CircuitBreaker:
    """Same semantics as the Java client's CircuitBreaker.

    CLOSED: calls go through; ``failure_threshold`` failures within ``window`` open it. OPEN: calls are
    refused (the client answers locally) until ``cool_down`` has passed. HALF_OPEN: calls go through again
    as probes; one success closes the breaker, one failure opens it for another cool-down. Thread-safe.
    """

    def __init__(self, settings: BreakerSettings = BreakerSettings(),
                 clock: Callable[[], float] = time.monotonic) -> None:
        """``clock`` returns seconds; replaceable so tests need not sleep."""
        if settings.failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        self._settings = settings
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: Deque[float] = deque()
        self._state = BreakerState.CLOSED
        self._opened_at = 0.0

    def allows_call(self) -> bool:
        """Whether a call may go to the router now. Moves OPEN to HALF_OPEN once the cool-down is over."""
        with self._lock:
            return self._allows_call()

    def record_success(self) -> None:
        with self._lock:
            self._state = BreakerState.CLOSED
            self._failures.clear()

    def record_failure(self) -> None:
        with self._lock:
            now = self._clock()
            if self._state is BreakerState.HALF_OPEN:
                self._open(now)
                return
            if self._state is BreakerState.OPEN:
                return
            self._failures.append(now)
            while self._failures and now - self._failures[0] > self._settings.window:
                self._failures.popleft()
            if len(self._failures) >= self._settings.failure_threshold:
                self._open(now)

    @property
    def state(self) -> BreakerState:
        with self._lock:
            self._allows_call()
            return self._state

    def _allows_call(self) -> bool:
        if self._state is BreakerState.OPEN and self._clock() - self._opened_at >= self._settings.cool_down:
            self._state = BreakerState.HALF_OPEN
        return self._state is not BreakerState.OPEN

    def _open(self, now: float) -> None:
        self._state = BreakerState.OPEN
        self._opened_at = now
        self._failures.clear()
