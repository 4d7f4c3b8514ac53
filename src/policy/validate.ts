/**
 * Option validation: every invalid option becomes a {@link PolicyConfigError} naming the class, the method,
 * the option and the value, raised when the decorator is applied.
 * @packageDocumentation
 */

import { JITTER_KINDS, type JitterKind } from '../retry/backoff';
import type { BreakerOptions } from '../retry/breaker';
import type { RetryBudgetOptions } from '../retry/retry-budget';
import { PolicyConfigError } from '../errors';
import {
  DEFAULTS,
  type AdaptiveRetryOptions,
  type NamedPolicy,
  type OnLimit,
  type RateLimitedOptions,
  type TokenBudgetOptions,
} from './options';

/** Fully-defaulted retry options. */
export interface ResolvedRetry {
  readonly maxRetries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly jitter: JitterKind;
  readonly attemptTimeoutMs: number | undefined;
  readonly deadlineMs: number | undefined;
  readonly firstChunkTimeoutMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  readonly retryOn: ((error: unknown) => boolean | undefined) | undefined;
  /** As given (validated); defaults and named policies apply per key at call time. */
  readonly retryBudget: RetryBudgetOptions | false | undefined;
  /** As given (validated); defaults and named policies apply per key at call time. */
  readonly breaker: BreakerOptions | false | undefined;
}

/** A key source after validation. */
export type ResolvedKey = string | ((...args: unknown[]) => string);

/** Validated `@RateLimited` options (limits may still come from named policies at call time). */
export interface ResolvedRateLimit {
  /** The key, or the policy name when given as `@RateLimited('name')`. */
  readonly key: ResolvedKey;
  /** True for `@RateLimited('name')`: the named policy must exist at call time. */
  readonly requiresPolicy: boolean;
  readonly requestsPerMinute: number | undefined;
  readonly burst: number | undefined;
  readonly onLimit: OnLimit | undefined;
  readonly maxWaitMs: number | undefined;
  readonly maxQueue: number | undefined;
  readonly maxCooldownMs: number | undefined;
}

/** Validated `@TokenBudget` options. */
export interface ResolvedTokenBudget {
  readonly key: ResolvedKey;
  readonly tokensPerMinute: number | undefined;
  readonly burst: number | undefined;
  readonly estimate: (...args: unknown[]) => number;
  readonly actual: ((result: unknown) => number | undefined) | undefined;
  readonly tokensPerDay: number | undefined;
}

type Check = (value: unknown) => boolean;

const positive: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonNegative: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const nonNegativeInt: Check = (v) => nonNegative(v) && Number.isInteger(v);
const positiveInt: Check = (v) => positive(v) && Number.isInteger(v);
const isFunction: Check = (v) => typeof v === 'function';
const isKey: Check = (v) => (typeof v === 'string' && v.length > 0) || typeof v === 'function';
const isOnLimit: Check = (v) => v === 'queue' || v === 'reject';
const isJitter: Check = (v) => typeof v === 'string' && (JITTER_KINDS as readonly string[]).includes(v);
const ratio: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 1;
const optionsOrFalse: Check = (v) => v === false || (v !== null && typeof v === 'object' && !Array.isArray(v));

const EXPECT = {
  positive: 'a finite number > 0',
  nonNegative: 'a finite number ≥ 0',
  nonNegativeInt: 'an integer ≥ 0',
  positiveInt: 'an integer ≥ 1',
  function: 'a function',
  key: 'a non-empty string or a function of the call arguments returning one',
  onLimit: '"queue" or "reject"',
  jitter: JITTER_KINDS.map((k) => `"${k}"`).join(' | '),
  ratio: 'a number in (0, 1]',
  optionsOrFalse: 'an options object or false',
} as const;

const RETRY_BUDGET_RULES: Record<string, Rule> = {
  ratio: [positive, EXPECT.positive, false],
  minPerSecond: [nonNegative, EXPECT.nonNegative, false],
  maxBalance: [positive, EXPECT.positive, false],
};

const BREAKER_RULES: Record<string, Rule> = {
  failureRatio: [ratio, EXPECT.ratio, false],
  minimumAttempts: [positiveInt, EXPECT.positiveInt, false],
  windowMs: [positive, EXPECT.positive, false],
  coolOffMs: [positive, EXPECT.positive, false],
};

/** Validates the nested `retryBudget` / `breaker` options (`false` disables); errors name `retryBudget.ratio`. */
function nested<T extends object>(where: string, name: string, value: T | false | undefined, rules: Record<string, Rule>): T | false | undefined {
  if (value === undefined || value === false) return value;
  validate(where, value, rules, name, `${name}.`);
  return value;
}

type Rule = readonly [Check, string, boolean /* required */];

/** Checks `raw` against the rules; returns it, an object whose known options passed their checks. */
function validate(where: string, raw: unknown, rules: Record<string, Rule>, what: string, prefix = ''): object {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new PolicyConfigError(where, what, raw, 'an options object');
  }
  const record = raw as Record<string, unknown>;
  for (const name of Object.keys(record)) {
    if (!Object.hasOwn(rules, name)) throw new PolicyConfigError(where, prefix + name, record[name], `one of the known options: ${Object.keys(rules).join(', ')}`);
  }
  for (const [name, [check, expected, required]] of Object.entries(rules)) {
    const value = record[name];
    if (value === undefined) {
      if (required) throw new PolicyConfigError(where, prefix + name, value, expected);
      continue;
    }
    if (!check(value)) throw new PolicyConfigError(where, prefix + name, value, expected);
  }
  return raw;
}

/** Validates and defaults `@AdaptiveRetry` options. */
export function resolveRetry(where: string, raw: unknown): ResolvedRetry {
  const o = validate(where, raw ?? {}, {
    maxRetries: [nonNegativeInt, EXPECT.nonNegativeInt, false],
    baseDelayMs: [nonNegative, EXPECT.nonNegative, false],
    maxDelayMs: [positive, EXPECT.positive, false],
    jitter: [isJitter, EXPECT.jitter, false],
    attemptTimeoutMs: [positive, EXPECT.positive, false],
    deadlineMs: [positive, EXPECT.positive, false],
    firstChunkTimeoutMs: [positive, EXPECT.positive, false],
    idleTimeoutMs: [positive, EXPECT.positive, false],
    retryOn: [isFunction, EXPECT.function, false],
    retryBudget: [optionsOrFalse, EXPECT.optionsOrFalse, false],
    breaker: [optionsOrFalse, EXPECT.optionsOrFalse, false],
  }, 'options') as AdaptiveRetryOptions;
  const baseDelayMs = o.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const maxDelayMs = o.maxDelayMs ?? Math.max(DEFAULTS.maxDelayMs, baseDelayMs);
  if (maxDelayMs < baseDelayMs) {
    throw new PolicyConfigError(where, 'maxDelayMs', maxDelayMs, `a number ≥ baseDelayMs (${baseDelayMs})`);
  }
  return {
    maxRetries: o.maxRetries ?? DEFAULTS.maxRetries,
    baseDelayMs,
    maxDelayMs,
    jitter: o.jitter ?? DEFAULTS.jitter,
    attemptTimeoutMs: o.attemptTimeoutMs,
    deadlineMs: o.deadlineMs,
    firstChunkTimeoutMs: o.firstChunkTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs,
    retryOn: o.retryOn,
    retryBudget: nested(where, 'retryBudget', o.retryBudget, RETRY_BUDGET_RULES),
    breaker: nested(where, 'breaker', o.breaker, BREAKER_RULES),
  };
}

const LIMIT_RULES: Record<string, Rule> = {
  onLimit: [isOnLimit, EXPECT.onLimit, false],
  maxWaitMs: [nonNegative, EXPECT.nonNegative, false],
  maxQueue: [nonNegativeInt, EXPECT.nonNegativeInt, false],
  maxCooldownMs: [positive, EXPECT.positive, false],
};

/** Validates `@RateLimited` options or a policy name. */
export function resolveRateLimit(where: string, raw: unknown): ResolvedRateLimit {
  if (typeof raw === 'string') {
    if (raw.length === 0) throw new PolicyConfigError(where, 'policyName', raw, 'a non-empty policy name');
    return {
      key: raw,
      requiresPolicy: true,
      requestsPerMinute: undefined,
      burst: undefined,
      onLimit: undefined,
      maxWaitMs: undefined,
      maxQueue: undefined,
      maxCooldownMs: undefined,
    };
  }
  const o = validate(where, raw, {
    key: [isKey, EXPECT.key, true],
    requestsPerMinute: [positive, EXPECT.positive, false],
    burst: [positive, EXPECT.positive, false],
    ...LIMIT_RULES,
  }, 'options') as RateLimitedOptions<unknown[]>;
  return {
    key: o.key,
    requiresPolicy: false,
    requestsPerMinute: o.requestsPerMinute,
    burst: o.burst,
    onLimit: o.onLimit,
    maxWaitMs: o.maxWaitMs,
    maxQueue: o.maxQueue,
    maxCooldownMs: o.maxCooldownMs,
  };
}

/** Validates `@TokenBudget` options. */
export function resolveTokenBudget(where: string, raw: unknown): ResolvedTokenBudget {
  const o = validate(where, raw, {
    key: [isKey, EXPECT.key, true],
    tokensPerMinute: [positive, EXPECT.positive, false],
    burst: [positive, EXPECT.positive, false],
    estimate: [isFunction, EXPECT.function, true],
    actual: [isFunction, EXPECT.function, false],
    tokensPerDay: [positive, EXPECT.positive, false],
  }, 'options') as TokenBudgetOptions<unknown[]>;
  return {
    key: o.key,
    tokensPerMinute: o.tokensPerMinute,
    burst: o.burst,
    estimate: o.estimate,
    actual: o.actual as ((result: unknown) => number | undefined) | undefined,
    tokensPerDay: o.tokensPerDay,
  };
}

/** Validates one named policy from `configureResilience({ policies })`. */
export function validateNamedPolicy(name: string, raw: unknown): NamedPolicy {
  const where = `policies[${JSON.stringify(name)}]`;
  const policy = validate(where, raw, {
    requestsPerMinute: [positive, EXPECT.positive, false],
    requestBurst: [positive, EXPECT.positive, false],
    tokensPerMinute: [positive, EXPECT.positive, false],
    tokenBurst: [positive, EXPECT.positive, false],
    tokensPerDay: [positive, EXPECT.positive, false],
    ...LIMIT_RULES,
    retryBudget: [optionsOrFalse, EXPECT.optionsOrFalse, false],
    breaker: [optionsOrFalse, EXPECT.optionsOrFalse, false],
  }, 'policy') as NamedPolicy;
  nested(where, 'retryBudget', policy.retryBudget, RETRY_BUDGET_RULES);
  nested(where, 'breaker', policy.breaker, BREAKER_RULES);
  return policy;
}
