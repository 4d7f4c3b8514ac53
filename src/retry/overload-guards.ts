/**
 * Per-key storm protection around the retry loop: the overload breaker and the retry budget of each key,
 * resolved from the decorator's options, else the key's named policy, else the defaults.
 * @packageDocumentation
 */

import { BREAKER_DEFAULTS, Breaker, type BreakerOptions, type BreakerVerdict } from './breaker';
import type { Classification } from '../providers/classify';
import type { NamedPolicy } from '../policy/options';
import type { GuardSlot } from '../runtime/plan';
import { RETRY_BUDGET_DEFAULTS, RetryBudget, type RetryBudgetOptions } from './retry-budget';
import type { ResolvedRetry } from '../policy/validate';

/** Most keys with guards kept (keys can come from user input). */
const MAX_GUARDS = 10_000;

/** Failures that count against the breaker: the provider is failing, not refusing. */
const OVERLOAD_REASONS: ReadonlySet<string> = new Set(['server-error', 'overloaded', 'network', 'attempt-timeout', 'request-timeout']);

/** True when a failed attempt is a sign of provider overload (5xx, 529, connection failures, timeouts). */
export function isOverload(classification: Classification): boolean {
  return classification.retryable && OVERLOAD_REASONS.has(classification.reason);
}

/** One key's breaker and retry budget (either may be disabled). */
export class KeyGuard {
  /**
   * @param breaker - the key's breaker, if enabled.
   * @param budget - the key's retry budget, if enabled.
   */
  constructor(
    readonly breaker: Breaker | undefined,
    readonly budget: RetryBudget | undefined,
  ) {}

  /** True when no breaker stands in the way (disabled or closed): the common case, decided without the clock. */
  get closed(): boolean {
    return this.breaker === undefined || this.breaker.state === 'closed';
  }

  /** Whether the next attempt may go (`probe`: it is the half-open trial). */
  verdict(now: number): BreakerVerdict {
    return this.breaker === undefined ? 'allow' : this.breaker.verdict(now);
  }
}

/** The guards of every key, for one configuration. */
export class OverloadGuards {
  private readonly guards = new Map<string, KeyGuard>();
  /** Bumped whenever guards are dropped, so cached references elsewhere are looked up again. */
  private generation = 0;

  /**
   * @param policies - named policies (their `breaker` / `retryBudget` apply when the decorator sets none).
   * @param now - the clock's current time.
   */
  constructor(
    private readonly policies: ReadonlyMap<string, NamedPolicy>,
    private readonly now: () => number,
  ) {}

  /**
   * The key's guard through a per-method cache slot: no map lookup per call while the guards are kept.
   * @param slot - the method's (or its key plan's) cache slot.
   * @param retry - the method's retry options (used when the guard is created).
   * @param key - the call's key.
   */
  cached(slot: GuardSlot, retry: ResolvedRetry, key: string): KeyGuard {
    if (slot.generation === this.generation && slot.value !== undefined) return slot.value;
    const guard = this.forKey(retry, key);
    slot.value = guard;
    slot.generation = this.generation;
    return guard;
  }

  /** The key's guard, created on first use from the first caller's options. */
  forKey(retry: ResolvedRetry, key: string): KeyGuard {
    let guard = this.guards.get(key);
    if (guard === undefined) {
      const policy = this.policies.get(key);
      const breaker = pick<BreakerOptions>(retry.breaker, policy?.breaker);
      const budget = pick<RetryBudgetOptions>(retry.retryBudget, policy?.retryBudget);
      guard = new KeyGuard(
        breaker === false ? undefined : new Breaker({ ...BREAKER_DEFAULTS, ...breaker }),
        budget === false
          ? undefined
          : new RetryBudget(
              budget.ratio ?? RETRY_BUDGET_DEFAULTS.ratio,
              budget.minPerSecond ?? RETRY_BUDGET_DEFAULTS.minPerSecond,
              budget.maxBalance ?? RETRY_BUDGET_DEFAULTS.maxBalance,
              this.now(),
            ),
      );
      if (this.guards.size >= MAX_GUARDS) {
        this.guards.clear();
        this.generation++;
      }
      this.guards.set(key, guard);
    }
    return guard;
  }
}

function pick<T>(inline: T | false | undefined, named: T | false | undefined): T | false {
  if (inline !== undefined) return inline;
  if (named !== undefined) return named;
  return {} as T;
}
