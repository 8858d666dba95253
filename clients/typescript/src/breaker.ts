export type BreakerState = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

export interface BreakerSettings {
  /** Failures within `windowMs` that open the breaker. */
  failureThreshold: number;
  windowMs: number;
  /** How long an open breaker refuses calls before letting probes through. */
  coolDownMs: number;
}

/**
 * Stops asking a router that is not answering; same semantics as the Java client's CircuitBreaker.
 * CLOSED: calls go through. OPEN: refused until the cool-down passes. HALF_OPEN: calls go through as
 * probes; a success closes it, a failure opens it again.
 */
export class CircuitBreaker {
  private failures: number[] = [];
  private current: BreakerState = 'CLOSED';
  private openedAt = 0;

  constructor(private readonly settings: BreakerSettings, private readonly now: () => number = () => performance.now()) {
    if (settings.failureThreshold < 1) throw new Error('failureThreshold must be at least 1');
  }

  allowsCall(): boolean {
    if (this.current === 'OPEN' && this.now() - this.openedAt >= this.settings.coolDownMs) this.current = 'HALF_OPEN';
    return this.current !== 'OPEN';
  }

  recordSuccess(): void {
    this.current = 'CLOSED';
    this.failures = [];
  }

  recordFailure(): void {
    const t = this.now();
    if (this.current === 'HALF_OPEN') return this.open(t);
    if (this.current === 'OPEN') return;
    this.failures.push(t);
    this.failures = this.failures.filter((f) => t - f <= this.settings.windowMs);
    if (this.failures.length >= this.settings.failureThreshold) this.open(t);
  }

  get state(): BreakerState {
    this.allowsCall();
    return this.current;
  }

  private open(t: number): void {
    this.current = 'OPEN';
    this.openedAt = t;
    this.failures = [];
  }
}
