/**
 * Per-key storm protection around the retry loop: the overload breaker and the retry budget of each key,
 * resolved from the decorator's options, else the key's named policy, else the defaults.
 * @packageDocumentation
 */

import { BREAKER_DEFAULTS, OverloadBreaker, type BreakerOptions, type BreakerVerdict } from './breaker';
import type { Classification } from '../providers/classify';
import { BoundedMap } from '../util/bounded-map';
import { RETRY_BUDGET_DEFAULTS, RetryBudget, type RetryBudgetOptions } from './retry-budget';

/** Where a key's breaker and retry budget options come from (a method's `@AdaptiveRetry`, a named policy). */
export interface GuardOptions {
  /** OverloadBreaker options; `false` disables it; undefined: not set here. */
  readonly breaker?: BreakerOptions | false | undefined;
  /** Retry budget options; `false` disables it; undefined: not set here. */
  readonly retryBudget?: RetryBudgetOptions | false | undefined;
}

/** A cached overload guard, valid while the guards' generation is unchanged (they are dropped when too many). */
export interface GuardSlot {
  /** The guard, once looked up. */
  value: KeyGuard | undefined;
  /** The guards' generation it was looked up in (-1: never). */
  generation: number;
}

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
    readonly breaker: OverloadBreaker | undefined,
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
  /** Evictions bump the map's generation, so cached references elsewhere are looked up again. */
  private readonly guards = new BoundedMap<string, KeyGuard>(MAX_GUARDS);

  /**
   * @param policies - named policies (their `breaker` / `retryBudget` apply when the decorator sets none).
   * @param now - the clock's current time.
   */
  constructor(
    private readonly policies: ReadonlyMap<string, GuardOptions>,
    private readonly now: () => number,
  ) {}

  /**
   * The key's guard through a per-method cache slot: no map lookup per call while the guards are kept.
   * @param slot - the method's (or its key plan's) cache slot.
   * @param retry - the method's retry options (used when the guard is created).
   * @param key - the call's key.
   */
  cached(slot: GuardSlot, retry: GuardOptions, key: string): KeyGuard {
    if (slot.generation === this.guards.generation && slot.value !== undefined) return slot.value;
    const guard = this.forKey(retry, key);
    slot.value = guard;
    slot.generation = this.guards.generation;
    return guard;
  }

  /** The key's guard, created on first use from the first caller's options. */
  forKey(retry: GuardOptions, key: string): KeyGuard {
    let guard = this.guards.get(key);
    if (guard === undefined) {
      const policy = this.policies.get(key);
      const breaker = pick<BreakerOptions>(retry.breaker, policy?.breaker);
      const budget = pick<RetryBudgetOptions>(retry.retryBudget, policy?.retryBudget);
      guard = new KeyGuard(
        breaker === false ? undefined : new OverloadBreaker({ ...BREAKER_DEFAULTS, ...breaker }),
        budget === false
          ? undefined
          : new RetryBudget(
              budget.ratio ?? RETRY_BUDGET_DEFAULTS.ratio,
              budget.minPerSecond ?? RETRY_BUDGET_DEFAULTS.minPerSecond,
              budget.maxBalance ?? RETRY_BUDGET_DEFAULTS.maxBalance,
              this.now(),
            ),
      );
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
