/**
 * A continuously refilling token bucket used by the provider emulator.
 * @packageDocumentation
 */

/** Float tolerance so that waiting exactly the advertised time always makes a request fit. */
const EPSILON = 1e-9;

/**
 * A token bucket of fixed `capacity` that refills continuously at `capacity / periodMs` per ms.
 *
 * The bucket may go into debt: {@link TokenBucket.take} subtracts the full cost even when the
 * cost exceeds the capacity. Admission only requires `level >= min(cost, capacity)`, so a cost
 * larger than the capacity is admitted from a full bucket and the debt is paid back by refill.
 * Time is passed in explicitly (ms, monotonic) so callers read the clock once per request.
 */
export class TokenBucket {
  /** Current level; may be negative (debt). */
  private level: number;
  /** Time (ms) up to which refill has been applied. */
  private last: number;
  /** Refill rate in units per ms. */
  readonly ratePerMs: number;

  /**
   * @param capacity - maximum level (also the starting level); must be > 0.
   * @param periodMs - time to refill from empty to full.
   * @param now - current time in ms.
   */
  constructor(
    readonly capacity: number,
    periodMs: number,
    now: number,
  ) {
    this.level = capacity;
    this.last = now;
    this.ratePerMs = capacity / periodMs;
  }

  /**
   * Applies refill up to `now` and returns the level.
   * @param now - current time in ms.
   * @returns the level after refill.
   */
  refill(now: number): number {
    if (now > this.last) {
      const level = this.level + (now - this.last) * this.ratePerMs;
      this.level = level > this.capacity ? this.capacity : level;
      this.last = now;
    }
    return this.level;
  }

  /**
   * The level as of the last refill (may be negative). Call {@link refill} first for a current value.
   * @returns the level.
   */
  current(): number {
    return this.level;
  }

  /**
   * Milliseconds until `cost` would be admitted (0 if it fits now). Call {@link refill} first.
   * @param cost - units requested.
   * @returns the wait in ms (fractional).
   */
  waitMs(cost: number): number {
    const need = cost < this.capacity ? cost : this.capacity;
    const missing = need - this.level;
    return missing <= EPSILON ? 0 : missing / this.ratePerMs;
  }

  /**
   * Subtracts `cost` unconditionally (may leave the bucket in debt). Call {@link refill} first.
   * @param cost - units to take.
   */
  take(cost: number): void {
    this.level -= cost;
  }

  /**
   * Returns `amount` units (a refund), never above capacity.
   * @param amount - units to give back.
   * @param now - current time in ms.
   */
  give(amount: number, now: number): void {
    const level = this.refill(now) + amount;
    this.level = level > this.capacity ? this.capacity : level;
  }

  /**
   * Milliseconds until the bucket is full again. Call {@link refill} first.
   * @returns the time to full in ms (fractional, 0 when full).
   */
  msUntilFull(): number {
    const missing = this.capacity - this.level;
    return missing <= EPSILON ? 0 : missing / this.ratePerMs;
  }
}
