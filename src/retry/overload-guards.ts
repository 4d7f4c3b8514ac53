/**
 * Per-key storm protection around the retry loop: the overload breaker and the retry budget of each key. A key
 * has one of each, shared by every method on it, so their options come from one place: the key's named policy,
 * else the first method that declares them inline, else the defaults.
 * @packageDocumentation
 */

import { BREAKER_DEFAULTS, OverloadBreaker, type BreakerOptions, type BreakerVerdict } from './breaker';
import { PolicyConfigError } from '../errors';
import type { Classification } from '../providers/classify';
import { BoundedMap } from '../util/bounded-map';
import { sameOptions } from '../util/values';
import { RETRY_BUDGET_DEFAULTS, RetryBudget, type RetryBudgetOptions } from './retry-budget';

/** Where a key's breaker and retry budget options come from (a method's `@AdaptiveRetry`, a named policy). */
export interface GuardOptions {
  /** OverloadBreaker options; `false` disables it; undefined: not set here. */
  readonly breaker?: BreakerOptions | false | undefined;
  /** Retry budget options; `false` disables it; undefined: not set here. */
  readonly retryBudget?: RetryBudgetOptions | false | undefined;
}

/** The two per-key options. */
export type GuardField = 'breaker' | 'retryBudget';

/** Looks up the first inline declaration of a key's option, made at decoration time (fixed keys only). */
export type DeclaredGuards = (key: string, field: GuardField) => { readonly where: string; readonly value: object | false } | undefined;

/** Where one of a guard's options came from. */
type Source = 'policy' | 'declared' | 'inline' | 'default';

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
  /** Where each option came from (`Class.method` for an inline declaration), to check later callers against. */
  readonly sources: Record<GuardField, { source: Source; where?: string; value: object | false }>;

  /**
   * @param breaker - the key's breaker, if enabled.
   * @param budget - the key's retry budget, if enabled.
   * @param sources - where each option came from.
   */
  constructor(
    public breaker: OverloadBreaker | undefined,
    public budget: RetryBudget | undefined,
    sources: Record<GuardField, { source: Source; where?: string; value: object | false }>,
  ) {
    this.sources = sources;
  }

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
   * @param policies - named policies by key (their `breaker` / `retryBudget` win over any inline declaration).
   * @param declared - the inline declarations made at decoration time, by key.
   * @param now - the clock's current time.
   */
  constructor(
    private readonly policies: ReadonlyMap<string, GuardOptions>,
    private readonly declared: DeclaredGuards,
    private readonly now: () => number,
  ) {}

  /**
   * The key's guard through a per-method cache slot: no map lookup per call while the guards are kept.
   * @param slot - the method's (or its key plan's) cache slot.
   * @param inline - the calling method's `@AdaptiveRetry` options.
   * @param where - the calling method (`Class.method`).
   * @param key - the call's key.
   * @throws PolicyConfigError when the method declares options that differ from the ones the key already has.
   */
  cached(slot: GuardSlot, inline: GuardOptions, where: string, key: string): KeyGuard {
    if (slot.generation === this.guards.generation && slot.value !== undefined) return slot.value;
    const guard = this.forKey(inline, where, key);
    slot.value = guard;
    slot.generation = this.guards.generation;
    return guard;
  }

  /** The key's guard: created on first use, its options checked against every new caller's declaration. */
  forKey(inline: GuardOptions, where: string, key: string): KeyGuard {
    let guard = this.guards.get(key);
    if (guard === undefined) {
      const breaker = this.resolve(inline, where, key, 'breaker');
      const budget = this.resolve(inline, where, key, 'retryBudget');
      guard = new KeyGuard(this.breaker(breaker.value), this.budget(budget.value), { breaker, retryBudget: budget });
      this.guards.set(key, guard);
      return guard;
    }
    this.adopt(guard, inline, where, key, 'breaker');
    this.adopt(guard, inline, where, key, 'retryBudget');
    return guard;
  }

  /** Named policy, else the decoration-time declaration, else this caller's inline option, else the defaults. */
  private resolve(inline: GuardOptions, where: string, key: string, field: GuardField): { source: Source; where?: string; value: object | false } {
    const policy = this.policies.get(key)?.[field];
    if (policy !== undefined) return { source: 'policy', value: policy };
    const declared = this.declared(key, field);
    if (declared !== undefined) return { source: 'declared', where: declared.where, value: declared.value };
    const own = inline[field];
    if (own !== undefined) return { source: 'inline', where, value: own };
    return { source: 'default', value: {} };
  }

  /**
   * A later caller of an existing key (keys computed from arguments are only known at call time): its inline
   * declaration replaces the defaults the key was created with, and must agree with an earlier declaration.
   */
  private adopt(guard: KeyGuard, inline: GuardOptions, where: string, key: string, field: GuardField): void {
    const own = inline[field];
    const current = guard.sources[field];
    if (own === undefined || current.source === 'policy' || current.where === where) return;
    if (current.source === 'default') {
      guard.sources[field] = { source: 'inline', where, value: own };
      if (field === 'breaker') guard.breaker = this.breaker(own);
      else guard.budget = this.budget(own);
      return;
    }
    if (!sameOptions(current.value, own)) {
      throw new PolicyConfigError(
        where,
        field,
        own,
        `the same ${field} as ${current.where ?? 'the first declaration'}, which declares it for key "${key}" (a key has one ` +
          `${field === 'breaker' ? 'breaker' : 'retry budget'}: declare it on one method, or in the key's named policy)`,
      );
    }
  }

  private breaker(options: object | false): OverloadBreaker | undefined {
    return options === false ? undefined : new OverloadBreaker({ ...BREAKER_DEFAULTS, ...(options as BreakerOptions) });
  }

  private budget(options: object | false): RetryBudget | undefined {
    if (options === false) return undefined;
    const o = options as RetryBudgetOptions;
    return new RetryBudget(
      o.ratio ?? RETRY_BUDGET_DEFAULTS.ratio,
      o.minPerSecond ?? RETRY_BUDGET_DEFAULTS.minPerSecond,
      o.maxBalance ?? RETRY_BUDGET_DEFAULTS.maxBalance,
      this.now(),
    );
  }
}
