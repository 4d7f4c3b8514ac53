/**
 * Overload breaker per key: when a key's recent attempts are mostly provider failures (5xx, 529, network,
 * timeouts), stop sending for a cool-off, then let one probe through (half-open) before closing again.
 * @packageDocumentation
 */

/** Options of the overload breaker. */
export interface BreakerOptions {
  /** Share of failed attempts in the window that opens the breaker. Default 0.5. */
  readonly failureRatio?: number;
  /** Attempts in the window before the ratio is trusted. Default 10. */
  readonly minimumAttempts?: number;
  /** The sliding window, ms. Default 10000. */
  readonly windowMs?: number;
  /** How long the breaker stays open before a probe, ms. Default 5000. */
  readonly coolOffMs?: number;
}

/** Defaults of {@link BreakerOptions}. */
export const BREAKER_DEFAULTS = { failureRatio: 0.5, minimumAttempts: 10, windowMs: 10_000, coolOffMs: 5_000 } as const;

/** Breaker states. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/** What the breaker says about the next attempt. */
export type BreakerVerdict = 'allow' | 'probe' | 'reject';

const SLOTS = 10;

/** One key's breaker, counting attempts in {@link SLOTS} time slots of a sliding window. */
export class OverloadBreaker {
  /** Current state. */
  state: BreakerState = 'closed';
  /** When an open breaker lets a probe through (epoch ms). */
  openUntil = 0;
  private probing = false;
  private readonly totals = new Float64Array(SLOTS);
  private readonly failures = new Float64Array(SLOTS);
  private slotStart = 0;
  private slot = 0;
  private readonly slotMs: number;

  /** @param options - fully defaulted options. */
  constructor(private readonly options: Required<BreakerOptions>) {
    this.slotMs = options.windowMs / SLOTS;
  }

  /**
   * Whether an attempt may go now; `probe` means it is the one half-open trial. Once the cool-off has passed, the
   * first call turns an open breaker half-open (its caller publishes that change: compare {@link OverloadBreaker.state} before).
   */
  verdict(now: number): BreakerVerdict {
    if (this.state === 'closed') return 'allow';
    if (this.state === 'open') {
      if (now < this.openUntil) return 'reject';
      this.state = 'half-open';
      this.probing = false;
    }
    if (this.probing) return 'reject';
    this.probing = true;
    return 'probe';
  }

  /** Frees the half-open slot of a probe that never reached the provider. */
  release(): void {
    this.probing = false;
  }

  /**
   * Records an attempt's outcome. `overload` is true for provider failures. While half-open, the first outcome
   * recorded (the probe's, or that of an attempt sent before the breaker opened) decides: closed or open again.
   * An outcome arriving after that (a probe overtaken by such an attempt) changes nothing but the closed window.
   * @returns the new state when it changed (never the current one), else undefined.
   */
  record(now: number, overload: boolean): BreakerState | undefined {
    if (this.state === 'half-open') {
      this.probing = false;
      if (overload) return this.open(now);
      this.reset(now);
      this.state = 'closed';
      return 'closed';
    }
    if (this.state !== 'closed') return undefined;
    this.advance(now);
    this.totals[this.slot]++;
    if (overload) this.failures[this.slot]++;
    if (!overload) return undefined;
    let total = 0;
    let failed = 0;
    for (let i = 0; i < SLOTS; i++) {
      total += this.totals[i];
      failed += this.failures[i];
    }
    if (total >= this.options.minimumAttempts && failed / total >= this.options.failureRatio) return this.open(now);
    return undefined;
  }

  private open(now: number): BreakerState {
    this.state = 'open';
    this.openUntil = now + this.options.coolOffMs;
    this.reset(now);
    return 'open';
  }

  private reset(now: number): void {
    this.totals.fill(0);
    this.failures.fill(0);
    this.slotStart = now;
    this.slot = 0;
  }

  private advance(now: number): void {
    let steps = Math.floor((now - this.slotStart) / this.slotMs);
    if (steps <= 0) return;
    if (steps >= SLOTS) {
      this.reset(now);
      return;
    }
    while (steps-- > 0) {
      this.slot = (this.slot + 1) % SLOTS;
      this.totals[this.slot] = 0;
      this.failures[this.slot] = 0;
      this.slotStart += this.slotMs;
    }
  }
}
