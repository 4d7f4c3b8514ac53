/**
 * The options each decorator and each named policy accepts, with their documented defaults.
 * @packageDocumentation
 */

import type { OnLimit } from '../limits/limiter';
import type { JitterKind } from '../retry/backoff';
import type { BreakerOptions } from '../retry/breaker';
import type { RetryBudgetOptions } from '../retry/retry-budget';

export type { OnLimit };

/**
 * Where a limit key comes from: a fixed string, or a function of the call's arguments
 * (e.g. `(req) => \`openai:${req.model}\``), because provider limits are per model.
 */
export type KeySource<A extends readonly unknown[] = never[]> = string | ((...args: A) => string);


/** Options of `@AdaptiveRetry`. */
export interface AdaptiveRetryOptions {
  /** Retries after the first attempt. Default 5 (so at most 6 attempts). */
  readonly maxRetries?: number;
  /** Base of the exponential backoff, ms. Default 1000. */
  readonly baseDelayMs?: number;
  /** Cap of any delay, ms; a server wait longer than this ends the call. Default 60000. */
  readonly maxDelayMs?: number;
  /** Jitter for retries without a server wait hint. Default `'full'`. */
  readonly jitter?: JitterKind;
  /** Per-attempt timeout, ms; aborts `currentCall().signal` and counts as a retryable {@link AttemptTimeoutError}. */
  readonly attemptTimeoutMs?: number;
  /** Total time budget of the call (waits, attempts and sleeps), ms. */
  readonly deadlineMs?: number;
  /**
   * Streams: longest wait for the first chunk, ms. Past it the attempt is aborted and retried (nothing has reached
   * the caller yet), as an {@link AttemptTimeoutError} with phase `first-chunk`.
   */
  readonly firstChunkTimeoutMs?: number;
  /**
   * Streams: longest gap between two chunks once the stream is open, ms. Past it the stream is aborted and the
   * consumer gets a `StreamInterruptedError` (content has reached the caller: it is never sent again).
   */
  readonly idleTimeoutMs?: number;
  /** Overrides classification: `true` retry, `false` do not, `undefined` use the built-in rules. */
  readonly retryOn?: (error: unknown) => boolean | undefined;
  /** Per-key retry budget (default on: 20 % of successes + 1/s, up to 10 saved); `false` disables it. */
  readonly retryBudget?: RetryBudgetOptions | false;
  /** Per-key overload breaker (default on: opens at 50 % failures over ≥ 10 attempts in 10 s, 5 s cool-off); `false` disables it. */
  readonly breaker?: BreakerOptions | false;
}

/** Options of `@RateLimited` (requests per minute). */
export interface RateLimitedOptions<A extends readonly unknown[] = never[]> {
  /** The limit key; named policies are looked up by the resolved key. */
  readonly key: KeySource<A>;
  /** Requests per minute. Omitted (and no named policy): learned from the provider's `*-limit-requests` headers. */
  readonly requestsPerMinute?: number;
  /** Bucket capacity in requests. Default one second of quota, `max(1, requestsPerMinute / 60)`. */
  readonly burst?: number;
  /** `'queue'` (default) waits in FIFO order; `'reject'` throws `RateLimitExceededError` at once. */
  readonly onLimit?: OnLimit;
  /** Longest wait for capacity, ms. Default 60000. */
  readonly maxWaitMs?: number;
  /** Most callers waiting on one key. Default 10000. */
  readonly maxQueue?: number;
  /**
   * Longest pause of the key after a 429, ms: no server wait hint (`retry-after`, reset headers, …) pauses the
   * key for longer, however absurd the value. A call whose own wait exceeds `maxDelayMs` still gives up at once.
   * Default 60000.
   */
  readonly maxCooldownMs?: number;
}

/** Options of `@TokenBudget` (tokens per minute, estimated before the call, reconciled after). */
export interface TokenBudgetOptions<A extends readonly unknown[] = never[]> {
  /** The budget key (usually the same as the rate limit's). */
  readonly key: KeySource<A>;
  /** Tokens per minute. Omitted (and no named policy): learned from `*-limit-tokens` headers. */
  readonly tokensPerMinute?: number;
  /** Bucket capacity in tokens. Default one second of quota, `tokensPerMinute / 60`. */
  readonly burst?: number;
  /** Tokens the call will be charged up front (prompt + max output), from the call's arguments. */
  readonly estimate: (...args: A) => number;
  /** Tokens actually charged, from the result; default reads `usage` (see `usageTokens`). */
  readonly actual?: (result: never) => number | undefined;
  /** Hard daily budget (UTC day); fails fast with `TokenBudgetExceededError` once spent. */
  readonly tokensPerDay?: number;
}

/** Limits configured outside code, looked up by the resolved key (`configureResilience({ policies })`). */
export interface NamedPolicy {
  /** Requests per minute. */
  readonly requestsPerMinute?: number;
  /** Request bucket capacity. Default `max(1, requestsPerMinute / 60)`. */
  readonly requestBurst?: number;
  /** Tokens per minute. */
  readonly tokensPerMinute?: number;
  /** Token bucket capacity. Default `tokensPerMinute / 60`. */
  readonly tokenBurst?: number;
  /** Hard daily token budget. */
  readonly tokensPerDay?: number;
  /** Default `onLimit` for this key. */
  readonly onLimit?: OnLimit;
  /** Default `maxWaitMs` for this key. */
  readonly maxWaitMs?: number;
  /** Default `maxQueue` for this key. */
  readonly maxQueue?: number;
  /** Default `maxCooldownMs` for this key: the longest pause a 429's wait hint can impose on it. */
  readonly maxCooldownMs?: number;
  /** Retry budget for this key (the decorator's option overrides it). */
  readonly retryBudget?: RetryBudgetOptions | false;
  /** Overload breaker for this key (the decorator's option overrides it). */
  readonly breaker?: BreakerOptions | false;
}

/** Defaults of every option, in one place. */
export const DEFAULTS = {
  maxRetries: 5,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: 'full' as JitterKind,
  onLimit: 'queue' as OnLimit,
  maxWaitMs: 60_000,
  maxQueue: 10_000,
  maxCooldownMs: 60_000,
} as const;
