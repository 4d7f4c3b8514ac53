/**
 * The limiter store contract: where bucket state lives. The in-memory store is the default; a Redis store
 * holds the state for a fleet. Every method may answer synchronously or with a promise.
 * @packageDocumentation
 */

import type { RateLimitSnapshot } from '../providers/rate-limit-headers';

/** The limits that apply to one key, resolved from inline options and named policies. */
export interface LimitSpec {
  /** The limit key. */
  readonly key: string;
  /** Requests per minute; undefined when not configured. */
  readonly requestsPerMinute: number | undefined;
  /** Request bucket capacity. */
  readonly requestBurst: number;
  /** Tokens per minute; undefined when not configured. */
  readonly tokensPerMinute: number | undefined;
  /** Token bucket capacity. */
  readonly tokenBurst: number;
  /** Hard daily token budget (UTC day). */
  readonly tokensPerDay: number | undefined;
  /** No request limit configured: learn it from `*-limit-requests` headers, conservatively until then. */
  readonly learnRequests: boolean;
  /** No token limit configured: learn it from `*-limit-tokens` headers. */
  readonly learnTokens: boolean;
}

/** What one call takes from one key. */
export interface DemandPart {
  /** The key's limits. */
  readonly spec: LimitSpec;
  /** Requests (1 when rate-limited on this key, else 0). */
  readonly requests: number;
  /** Estimated tokens (0 when no token budget applies on this key). */
  readonly tokens: number;
}

/** {@link LimiterStore.acquire} result: the daily token budget of a key is spent. */
export const DAY_BUDGET_SPENT = -1;

/**
 * {@link LimiterStore.acquire} result: the demand can never fit — its tokens exceed a key's per-minute token limit
 * in force (configured, or learned from the provider's headers). The limiter fails the call with
 * `TokenBudgetExceededError` at once instead of letting it block the key.
 */
export const NEVER_FITS = -2;

/** Request rate a key with unknown limits starts at, until the provider's headers tell the real one (1/s). */
export const LEARNING_REQUESTS_PER_MINUTE = 60;

/** What a store reports about one key (for tests, metrics and logs). */
export interface KeyView {
  /** Requests available now (may be negative: debt). */
  readonly requests: number | undefined;
  /** Tokens available now (may be negative: debt). */
  readonly tokens: number | undefined;
  /** Epoch ms until which the key is paused after a 429; 0 when not paused. */
  readonly cooldownUntil: number;
  /** Tokens spent of the daily budget. */
  readonly dayUsed: number;
  /** Requests per minute in force (configured or learned). */
  readonly requestsPerMinute: number | undefined;
  /** Tokens per minute in force (configured or learned). */
  readonly tokensPerMinute: number | undefined;
}

/** Where bucket state lives. Implementations must take every part of an acquire atomically: all or nothing. */
export interface LimiterStore {
  /**
   * Extra random delay (ms) a queue adds before re-asking this store, so processes sharing one key (Redis)
   * do not all re-poll on the same millisecond. Omitted: 0 (an in-process store answers exactly).
   */
  readonly pollJitterMs?: number;
  /**
   * Takes every part of the call's demand, or none. A key the store has never seen grants its first demand
   * whole (one request, and that demand's tokens up to the burst), so the first call after a start waits for
   * nothing but its own round trip; later demands wait for the refill until {@link LimiterStore.observe} says
   * the provider is idle.
   * @returns 0 when granted; a positive number of ms until the whole demand would fit; {@link DAY_BUDGET_SPENT};
   * or {@link NEVER_FITS}.
   */
  acquire(parts: readonly DemandPart[], now: number): number | Promise<number>;
  /**
   * Decides several demands in one go (one round trip for a remote store), in order, as consecutive
   * {@link LimiterStore.acquire} calls would, except that once a demand must wait, every later demand of the
   * same key combination waits too, with that wait (nothing overtakes a waiting demand: FIFO). Optional: the
   * limiter then drains its queues one demand per store answer.
   * @param demands - the demands, oldest first.
   * @returns one result per demand, as {@link LimiterStore.acquire}'s.
   */
  acquireMany?(demands: ReadonlyArray<readonly DemandPart[]>, now: number): readonly number[] | Promise<readonly number[]>;
  /**
   * Charges (`delta > 0`) or refunds (`delta < 0`) tokens after the real usage is known, never above the
   * bucket's capacity; the day's usage moves with the tokens (never below 0). A charge larger than one minute of
   * the per-minute token limit in force (configured or learned) is bounded to it, and the debt never exceeds one
   * minute of the limit: one absurd usage figure cannot block a key for longer than a minute.
   * @param deltaRequests - requests to give back as well (negative; omitted: 0): an attempt whose method threw
   * before sending anything returns its whole take.
   */
  settle(spec: LimitSpec, deltaTokens: number, now: number, deltaRequests?: number): void | Promise<void>;
  /** Pauses every acquire on the key until `untilMs` (a 429's wait hint); later deadlines win. */
  cooldown(spec: LimitSpec, untilMs: number, now: number): void | Promise<void>;
  /**
   * Adopts the provider's view: learns missing limits, lowers local levels to the reported remaining. The first
   * observation of a key also tells whether the provider's bucket is idle: the local burst is filled, less the
   * larger of what the provider reports used (`limit - remaining`) and what this store granted before.
   * @returns `true` when the limits in force changed (a limit was learned or changed) or capacity was added (the
   * first observation found the provider idle), so calls waiting on the key are woken at once; `false` or
   * nothing otherwise.
   */
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type -- stores written before observe reported learned limits return nothing
  observe(spec: LimitSpec, snapshot: RateLimitSnapshot, now: number): boolean | void | Promise<boolean | void>;
  /** The key's state, if known. */
  view(spec: LimitSpec, now: number): KeyView | undefined | Promise<KeyView | undefined>;
}
