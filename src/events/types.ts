/**
 * The payloads of the runtime's events. They carry keys, models, counts and timings only: never a request
 * body, a prompt, a completion, an error object or a header value other than the rate-limit figures.
 * @packageDocumentation
 */

import type { WaitHintSource } from '../providers/wait-hints';
import type { BreakerState } from '../retry/breaker';

/** The call an event is about. */
export interface CallInfo {
  /** The call's key: its limit key, else `Class.method`. */
  readonly key: string;
  /** The `model` field of the call's first argument, when it has one. */
  readonly model: string | undefined;
  /** Attempt number, 1 for the first. */
  readonly attempt: number;
  /** Tokens the call was charged up front (`@TokenBudget`'s estimate), when it has a token budget. */
  readonly estimatedTokens: number | undefined;
}

/** A failed attempt, as classified. */
export interface AttemptFailure extends CallInfo {
  /** HTTP status, when the error carried one. */
  readonly status: number | undefined;
  /** Classification: `rate-limited`, `server-error`, `overloaded`, `network`, `client-error`, … */
  readonly reason: string;
  /** The wait the server asked for, ms (rounded up), when it gave one. */
  readonly retryAfterMs: number | undefined;
}

/** An attempt failed and another follows after `delayMs`. */
export interface RetryEvent extends AttemptFailure {
  /** The delay before the next attempt, ms. */
  readonly delayMs: number;
}

/** The call failed for good. */
export interface FailedEvent extends AttemptFailure {
  /**
   * Why no further attempt: `not-retryable`, `no-retry-policy`, or a `RetryExhaustedError` reason
   * (`max-retries`, `server-wait-exceeds-max-delay`, `deadline`, `retry-budget`, `circuit-open`).
   */
  readonly stop: string;
}

/** The provider answered 429. */
export type RateLimitedEvent = AttemptFailure;

/** A 429's wait became a pause of the whole key: no call on it starts before the pause ends. */
export interface CooldownEvent extends AttemptFailure {
  /** How long the key is paused, ms: the server's wait, capped at the key's `maxCooldownMs`. */
  readonly waitMs: number;
  /** The wait the server asked for, ms (larger than `waitMs` when the cap applied). */
  readonly requestedMs: number;
  /** Where the wait came from. */
  readonly source: WaitHintSource;
}

/** A call starts waiting in its key's queue. */
export interface QueuedEvent {
  /** The queue's key. */
  readonly key: string;
  /** The store's first estimate of the wait, ms. */
  readonly waitMs: number;
  /** Calls waiting on the key, this one included. */
  readonly queueLength: number;
}

/** An attempt waited for capacity and now starts. */
export interface WaitedEvent extends CallInfo {
  /** How long it waited, ms. */
  readonly waitMs: number;
}

/** The limiter refused the call (`RateLimitExceededError`, `TokenBudgetExceededError`) or a breaker is open. */
export interface RejectedEvent extends CallInfo {
  /** Why, in this library's words (keys and numbers only). */
  readonly reason: string;
  /** When capacity is expected back, ms, if known. */
  readonly retryAfterMs: number | undefined;
}

/** The call succeeded. */
export interface SucceededEvent extends CallInfo {
  /** Tokens the provider reported, when the result (or the method) told. */
  readonly actualTokens: number | undefined;
}

/**
 * A client retried the call itself before the error reached the runtime (the AI SDK's `RetryError`): its own
 * retries hide 429s and server waits from the runtime's limits. Set the client's retries to 0.
 */
export interface SdkRetriedEvent extends CallInfo {
  /** The client's error that wrapped the retries, by name (e.g. `AI_RetryError`). */
  readonly wrapper: string;
}

/**
 * The provider reports a per-minute limit below a key's configured one (a policy written for another tier): the
 * provider's limit is used instead, until it reports more. Also published when that ends (`inForce` back at
 * `configured`).
 */
export interface ProviderLimitEvent {
  /** The key. */
  readonly key: string;
  /** Which limit. */
  readonly resource: 'requests' | 'tokens';
  /** The configured per-minute limit. */
  readonly configured: number;
  /** The per-minute limit in force from now on. */
  readonly inForce: number;
}

/** How an open stream ended (see `StreamEndEvent`). */
export type StreamOutcome = 'completed' | 'interrupted' | 'abandoned' | 'aborted';

/**
 * A stream a decorated method returned has ended. (The call itself succeeded when the stream opened: its first
 * content arrived.) Usage is settled here: the tokens the stream reported when it completed; otherwise the
 * up-front estimate stays charged.
 */
export interface StreamEndEvent extends CallInfo {
  /**
   * `completed` (read to its end), `interrupted` (the provider failed, or a timeout, after content reached the
   * caller: the consumer got a `StreamInterruptedError`), `abandoned` (the consumer stopped reading), `aborted`
   * (the caller's signal).
   */
  readonly outcome: StreamOutcome;
  /** Chunks the runtime saw reach the caller (not those of a stream the method waited on before returning it). */
  readonly chunks: number;
  /** Tokens the stream reported, when it completed with usage. */
  readonly actualTokens: number | undefined;
  /** Why it ended, for `interrupted` and `aborted`: this library's own message (keys and numbers only), or an error's name. */
  readonly reason: string | undefined;
}

/**
 * A call's reported token usage could not be true (not finite, negative, or above the key's per-minute limit):
 * it is ignored and the call's estimate stays charged.
 */
export interface BogusUsageEvent {
  /** The call's key. */
  readonly key: string;
  /** What was reported. */
  readonly reported: number;
  /** The per-minute token limit the figure was checked against, when configured. */
  readonly limit: number | undefined;
}

/** A key's overload breaker changed state. */
export interface BreakerEvent {
  /** The key. */
  readonly key: string;
  /** The state entered: `open` (provider failing, calls fail fast), `half-open` (one probe), `closed`. */
  readonly state: BreakerState;
}

/** A provider-reported resource. */
export type CapacityResource = 'requests' | 'tokens';

/** The provider reported what is left of a resource (rate-limit headers). */
export interface CapacityEvent {
  /** The limit key. */
  readonly key: string;
  /** Which resource. */
  readonly resource: CapacityResource;
  /** What the provider reported left in its window. */
  readonly remaining: number;
  /** The provider's limit per window (this response's, else the last one reported for the key). */
  readonly limit: number | undefined;
  /** `remaining / limit`, when the limit is known. */
  readonly ratio: number | undefined;
}

/** What `onLowCapacity` receives: a resource stayed below the threshold for the configured observations. */
export interface LowCapacityEvent {
  /** The limit key. */
  readonly key: string;
  /** Which resource runs low. */
  readonly resource: CapacityResource;
  /** What the provider reported left in its window. */
  readonly remaining: number;
  /** The provider's limit per window. */
  readonly limit: number;
  /** `remaining / limit`, below the threshold. */
  readonly ratio: number;
}

/** A call starts (its keys resolved) or ends, whatever the outcome. */
export interface CallEvent {
  /** The call's key. */
  readonly key: string;
}
