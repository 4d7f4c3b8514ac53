/**
 * Retry budget per key (as gRPC retry throttling and Envoy/Finagle retry budgets): retries may add at most a
 * fraction of the key's recent successful traffic, plus a small floor per second. Past it, calls fail fast
 * instead of multiplying an outage.
 * @packageDocumentation
 */

/** Options of the retry budget. */
export interface RetryBudgetOptions {
  /** Retries earned per successful call. Default 0.2 (retries add at most ~20 % to the traffic). */
  readonly ratio?: number;
  /** Retries earned per second regardless of traffic (the floor). Default 1. */
  readonly minPerSecond?: number;
  /** Most retries that can be saved up. Default 10. */
  readonly maxBalance?: number;
}

/** Defaults of {@link RetryBudgetOptions}. */
export const RETRY_BUDGET_DEFAULTS = { ratio: 0.2, minPerSecond: 1, maxBalance: 10 } as const;

/** One key's retry budget: a token bucket fed by successes and by time. */
export class RetryBudget {
  private balance: number;
  private at: number;

  /**
   * @param ratio - retries earned per success.
   * @param minPerSecond - retries earned per second.
   * @param maxBalance - cap of the balance (the budget starts full).
   * @param now - creation time, ms.
   */
  constructor(
    private readonly ratio: number,
    private readonly minPerSecond: number,
    private readonly maxBalance: number,
    now: number,
  ) {
    this.balance = maxBalance;
    this.at = now;
  }

  /** Credits a successful call. */
  succeeded(): void {
    this.balance = Math.min(this.maxBalance, this.balance + this.ratio);
  }

  /** Takes one retry if the budget allows it. */
  tryRetry(now: number): boolean {
    if (now > this.at) {
      this.balance = Math.min(this.maxBalance, this.balance + ((now - this.at) / 1000) * this.minPerSecond);
      this.at = now;
    }
    if (this.balance < 1 - 1e-9) return false; // ten successes at 0.2 sum to 1.9999999999999998
    this.balance -= 1;
    return true;
  }
}
